"""Deterministic stand-ins for fast unit tests. Real-part tests live in integration/."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from hushdesk.engine.base import ChatStream, at_once
from hushdesk.engine.types import (
    ChatResult,
    GenerationStats,
    LoadSpec,
    Message,
    ModelInfo,
    SamplingParams,
)


class FakeEngine:
    """Answers by echoing the last user message, word by word."""

    def __init__(
        self, reply: str | None = None, *, respond: Callable[[list[Message]], str] | None = None
    ) -> None:
        self.reply = reply
        self.respond = respond  # computes the reply from the request when set
        self.error: Exception | None = None  # raised before the first word when set
        self.requests: list[list[Message]] = []
        self.params: list[SamplingParams] = []  # each request's sampling
        self.sampling: list[SamplingParams] = []  # each request's
        self._model: ModelInfo | None = None
        self._stopped = False

    @property
    def model(self) -> ModelInfo | None:
        return self._model

    def load(self, spec: LoadSpec) -> ModelInfo:
        self._model = ModelInfo(
            spec.model_path, "fake", "fake", spec.n_ctx, spec.n_ctx, 1, 1, True, 0
        )
        return self._model

    def chat(self, messages: Sequence[Message], params: SamplingParams) -> ChatStream:
        self.requests.append(list(messages))
        self.params.append(params)
        self.sampling.append(params)
        self._stopped = False
        result = ChatResult()
        if self.respond is not None:
            text = self.respond(list(messages))
        elif self.reply is not None:
            text = self.reply
        else:
            text = f"echo: {messages[-1].content}"
        return ChatStream(self._words(text, result), result, self.stop)

    def _words(self, text: str, result: ChatResult) -> Iterator[str]:
        if self.error is not None:
            raise self.error
        words = text.split(" ") if text else []
        for i, word in enumerate(words):
            if self._stopped:
                result.stats = GenerationStats(completion_tokens=i, finish_reason="cancelled")
                return
            chunk = word if i == 0 else " " + word
            result.text += chunk
            yield chunk
        result.stats = GenerationStats(completion_tokens=len(words))

    def stop(self) -> None:
        self._stopped = True

    def kill(self) -> None:
        self._stopped = True

    hold = staticmethod(at_once)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return sum(len(m.content.split()) + 4 for m in messages)

    def close(self) -> None:
        pass


class FakeEmbedder:
    """An ``Embedder`` with no model: each word hashed to one of ``dimension`` axes, the
    counts made unit length, so texts that share words are near and others are not."""

    backend = "fake"

    def __init__(self, name: str = "fake", dimension: int = 256) -> None:
        self.name, self.dimension = name, dimension
        self.calls = 0
        self.ready = True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0  # no words: still a unit vector
        return out
