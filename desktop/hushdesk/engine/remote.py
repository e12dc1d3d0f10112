"""A model on a server the user added: the engine interface over the OpenAI-compatible
HTTP API that vLLM, llama.cpp's ``llama-server``, Ollama, LM Studio, llama-cpp-python's
server and another Hushdesk's ``serve`` all speak.

Every request goes through the network guard's ``reach`` for that server's host and
port only, with timeouts on connecting and on each wait for the next words. Streaming
is server-sent events; stopping closes the stream (the server ends the generation).
Token counts come from the server's tokenize endpoint when it has one (llama-server's
``/tokenize``, llama-cpp-python's ``/extras/tokenize``), else from an estimate stated as
such (four characters a token). What the server sends back is bounded
(``engine.bounds``): sizes, a deadline, and ``max_tokens`` counted here as well, so a
server that ignores it is cut. The context size is what the server reports
(``max_model_len``, ``context_length``, llama-server's ``/props``), else
``server.DEFAULT_CONTEXT``. The server itself — its address, its models, the HTTP
client — is ``engine.server``.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from hushdesk import errors
from hushdesk.engine.base import ChatStream, at_once
from hushdesk.engine.bounds import (
    Budget,
    Exceeded,
    Malformed,
    read_event,
    reason_of,
    sse_events,
)
from hushdesk.engine.reasoning import Thought
from hushdesk.engine.server import Remote
from hushdesk.engine.types import (
    ChatResult,
    GenerationStats,
    LoadSpec,
    Message,
    ModelInfo,
    SamplingParams,
)

log = logging.getLogger("hushdesk.engine.remote")

CHARS_PER_TOKEN = 4  # the estimate when the server cannot count
MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message (estimate)
# Counting what a server streams: a chunk of text is a token, or one per this many
# characters when longer (no tokenizer's tokens average more), so a server that sends
# a book in one chunk is counted too.
MAX_CHARS_PER_TOKEN = 8


class RemoteEngine:
    """One model of one server, as an ``Engine``. Several requests may run at once (the
    server batches them); ``stop()`` ends them all, ``ChatStream.stop`` one."""

    def __init__(self, remote: Remote, model: str) -> None:
        self.remote, self.model_id = remote, model
        self._model: ModelInfo | None = None
        self._open: set[httpx.Response] = set()
        self._lock = threading.Lock()

    @property
    def model(self) -> ModelInfo:
        """The model as the server describes it (asked the first time)."""
        return self._model or self.load()

    def load(self, spec: LoadSpec | None = None) -> ModelInfo:
        """Nothing to load: the server has the model; its context size is asked once."""
        if self._model is not None:
            return self._model
        found = {m.id: m for m in self.remote.models()}
        chosen = found.get(self.model_id)
        if chosen is None:
            names = ", ".join(sorted(found)) or "none"
            raise errors.ModelError(
                f"The server {self.remote.endpoint.name} has no model called "
                f"{self.model_id!r} (it has: {names})."
            )
        self._model = ModelInfo(
            path=f"{self.remote.endpoint.base}#{self.model_id}",
            name=self.model_id,
            architecture="remote",
            n_ctx=chosen.n_ctx,
            n_ctx_train=chosen.n_ctx,
            n_params=0,
            n_threads=0,
            has_chat_template=True,
            load_s=0.0,
        )
        return self._model

    def chat(self, messages: Sequence[Message], params: SamplingParams) -> ChatStream:
        result = ChatResult()
        holder: dict[str, Any] = {"stopped": False, "response": None}

        def stop() -> None:
            holder["stopped"] = True
            response = holder["response"]
            if response is not None:
                response.close()

        return ChatStream(self._stream(list(messages), params, result, holder), result, stop)

    def _stream(
        self,
        messages: list[Message],
        params: SamplingParams,
        result: ChatResult,
        holder: dict[str, Any],
    ) -> Iterator[str]:
        stats = GenerationStats()
        result.stats = stats
        if holder["stopped"]:
            stats.finish_reason = "cancelled"
            return
        started = time.perf_counter()
        limits = self.remote.endpoint.limits
        budget = Budget(params.max_tokens, MAX_CHARS_PER_TOKEN)
        deadline = time.monotonic() + limits.stream_s(params.max_tokens)
        response = self.remote.stream(f"{self.remote.endpoint.base}/chat/completions",
                                      self._body(messages, params))  # fmt: skip
        holder["response"] = response
        if holder["stopped"]:  # stopped while connecting
            response.close()
        with self._lock:
            self._open.add(response)
        parts: list[str] = []
        first: float | None = None
        holder["finish"] = "stop"
        events = sse_events(
            response,
            cap=limits.stream_bytes(params.max_tokens),
            deadline=deadline,
            line_bytes=limits.line_bytes,
        )
        try:
            for text in self._texts(events, budget, stats, holder):
                if first is None:
                    first = time.perf_counter()
                    stats.ttft_s = first - started
                if not isinstance(text, Thought):
                    parts.append(text)
                yield text
        except (Exceeded, Malformed) as exc:
            if not holder["stopped"]:
                raise self._bad_stream(exc, params.max_tokens) from None
        except (httpx.HTTPError, httpx.StreamError, errors.ModelError, OSError) as exc:
            if not holder["stopped"]:
                if isinstance(exc, errors.ModelError):
                    raise
                raise errors.EngineCrashed(
                    f"The connection to {self.remote.endpoint.name} was lost mid-answer "
                    f"({type(exc).__name__}). What was written is kept."
                ) from exc
        finally:
            events.close()
            response.close()
            with self._lock:
                self._open.discard(response)
            result.text = "".join(parts)
            now = time.perf_counter()
            stats.prefill_s = stats.ttft_s
            stats.decode_s = now - first if first is not None else 0.0
            if not stats.completion_tokens:
                stats.completion_tokens = budget.used  # chunks: about a token each
            stats.finish_reason = (
                "cancelled"
                if holder["stopped"]
                else "length"
                if holder["finish"] == "length"
                else "stop"
            )

    def _texts(
        self, events: Iterator[Any], budget: Budget, stats: GenerationStats, state: dict[str, Any]
    ) -> Iterator[str]:
        """The answer's text in the server's events, as far as ``budget`` goes; its
        counts go to ``stats``, why it ended to ``state["finish"]``."""
        for event in events:
            piece = read_event(event)
            if piece.error is not None:
                raise errors.ModelError(
                    f"The server {self.remote.endpoint.name} stopped the answer: "
                    f"{reason_of(piece.error)}"
                )
            stats.prompt_tokens = piece.prompt_tokens or stats.prompt_tokens
            stats.completion_tokens = piece.completion_tokens or stats.completion_tokens
            thought = budget.take(piece.reasoning) if piece.reasoning else ""
            if thought:
                yield Thought(thought)  # thinking counts against max_tokens, as servers do
            text = budget.take(piece.text) if piece.text and not budget.spent else ""
            if text:
                yield text
            state["finish"] = piece.finish or state["finish"]
            if budget.spent:  # the server did not stop at max_tokens: this side does
                log.info("a server went on past max_tokens; the answer was cut")
                state["finish"] = "length"
                return

    def _bad_stream(self, exc: Exception, max_tokens: int) -> errors.ModelError:
        """Why an answer was cut: a bound reached, or something that is not an answer."""
        e = self.remote.endpoint
        if isinstance(exc, Malformed):
            return errors.ModelError(
                f"The server {e.name} sent an answer Hushdesk cannot read ({exc.where} is not "
                f"{exc.expected}). Is it an OpenAI-compatible server? What was written is kept."
            )
        assert isinstance(exc, Exceeded)
        why = {
            "bytes": f"more than {exc.limit // 1024:,} KB for an answer of at most "
            f"{max_tokens} tokens",
            "time": f"for more than {e.limits.stream_s(max_tokens):g} s",
            "line": f"one piece of more than {exc.limit // 1024:,} KB",
            "encoding": "a compressed answer, though asked not to",
        }[exc.what]
        return errors.ModelError(
            f"The server {e.name} went on sending {why}; Hushdesk stopped reading. "
            "What was written is kept."
        )

    def _body(self, messages: list[Message], params: SamplingParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_id,
            "messages": [_wire(m) for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
        }
        if params.seed >= 0:
            body["seed"] = params.seed
        if params.stop:
            body["stop"] = list(params.stop)
        if params.thinking is not None:  # llama-server's and vLLM's switch for Qwen3 and kin
            body["chat_template_kwargs"] = {"enable_thinking": params.thinking}
        return body

    hold = staticmethod(at_once)  # the server answers requests side by side

    def count_tokens(self, messages: Sequence[Message]) -> int:
        text = "\n".join(m.content for m in messages)
        counted = self.remote.count_tokens(self.model_id, text)
        if counted is None:  # the server cannot count
            return estimate_tokens(messages)
        return counted + MESSAGE_OVERHEAD * len(messages)

    def stop(self) -> None:
        with self._lock:
            open_now = list(self._open)
        for response in open_now:
            response.close()

    def kill(self) -> None:
        self.stop()

    def close(self) -> None:
        self.stop()


def _wire(message: Message) -> dict[str, Any]:
    """A message as OpenAI-compatible servers take it: its images as data URLs beside
    the text (the server is one the user added; a model there without vision may refuse
    or ignore them, and says so itself)."""
    if not message.images:
        return message.to_dict()
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    for image in message.images:
        url = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return {"role": message.role, "content": parts}


def estimate_tokens(messages: Sequence[Message]) -> int:
    """Tokens, estimated here (nothing is sent): four characters a token, plus the
    template's share of each message."""
    text = "\n".join(m.content for m in messages)
    return len(text) // CHARS_PER_TOKEN + 1 + MESSAGE_OVERHEAD * len(messages)
