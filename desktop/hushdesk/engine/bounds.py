"""What a server may send back, bounded: a server the user added (a firm's, or an
attacker's posing as one) must not be able to fill this computer's memory or keep an
answer going for ever.

A JSON answer (the model list, a token count) is read up to ``body_bytes`` within
``body_s`` (an unbounded model list once took the app's memory past a gigabyte); an
error's body up to
``error_bytes``. An answer stream is read up to a byte cap and a total deadline, both
derived from the request's ``max_tokens`` with generous floors, one event at most
``line_bytes`` long; the remote engine also counts what it receives and ends the
stream once ``max_tokens`` is reached (a server once streamed 27,000 words for
``--max-tokens 50``). Every limit is checked as bytes arrive, so a server that sends one
byte a second ends at the deadline too (late by at most the read timeout).

What is read is checked too: an event's fields have the types the API gives them (a
field of another type is a clear error, not a traceback), and a server's words in an
error lose their control characters and escape sequences before they reach a log, a
dialog or a terminal.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

import httpx

KB, MB = 1024, 1024 * 1024
# A server's words reach logs, dialogs and terminals: no escape sequences or controls.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class Limits:
    """The bounds on one server's answers (tests make them small)."""

    body_bytes: int = 8 * MB  # a JSON answer; a thousand models with details is ~1 MB
    body_s: float = 60.0  # reading a JSON answer once it began
    error_bytes: int = 64 * KB  # an error's body (300 characters of it are shown)
    stream_bytes_floor: int = 1 * MB
    stream_bytes_per_token: int = 4 * KB  # an event of one token is ~300 bytes
    stream_s_floor: float = 600.0
    stream_s_per_token: float = 1.0  # a slow server on CPUs writes a few a second
    line_bytes: int = 1 * MB  # one server-sent event
    max_models: int = 10_000

    def stream_bytes(self, max_tokens: int) -> int:
        return self.stream_bytes_floor + self.stream_bytes_per_token * max(max_tokens, 0)

    def stream_s(self, max_tokens: int) -> float:
        return self.stream_s_floor + self.stream_s_per_token * max(max_tokens, 0)


class Exceeded(Exception):
    """A bound was reached: ``what`` is "bytes", "time" or "line"; ``limit`` its value."""

    def __init__(self, what: str, limit: float) -> None:
        super().__init__(f"{what} > {limit}")
        self.what, self.limit = what, limit


def _raw(response: httpx.Response) -> Iterator[bytes]:
    """The body's bytes as sent, never inflated here: the server was asked for
    ``identity``, and one that compresses anyway is refused — a few KB of nested gzip
    inflate to gigabytes before any cap could count them."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise Exceeded("encoding", 0)
    if response.is_stream_consumed:  # read whole already (a response made from bytes)
        return iter([response.content])
    return response.iter_raw()


def read_body(response: httpx.Response, *, cap: int, seconds: float) -> bytes:
    """The body of a response opened with ``stream=True``, at most ``cap`` bytes (more
    raises ``Exceeded`` and stops reading), within ``seconds``. The response is closed."""
    deadline = time.monotonic() + seconds
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise Exceeded("bytes", cap)
        parts: list[bytes] = []
        size = 0
        for chunk in _raw(response):
            size += len(chunk)
            if size > cap:
                raise Exceeded("bytes", cap)
            if time.monotonic() > deadline:
                raise Exceeded("time", seconds)
            parts.append(chunk)
        return b"".join(parts)
    finally:
        response.close()


def read_head(response: httpx.Response, *, cap: int, seconds: float) -> bytes:
    """At most the first ``cap`` bytes of a body (an error's: the rest is not needed);
    the response is closed."""
    deadline = time.monotonic() + seconds
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in _raw(response):
            parts.append(chunk[: cap - size])
            size += len(parts[-1])
            if size >= cap or time.monotonic() > deadline:
                break
    except (httpx.HTTPError, httpx.StreamError, OSError, Exceeded):
        pass  # what arrived is enough to say what went wrong
    finally:
        response.close()
    return b"".join(parts)


def sse_events(
    response: httpx.Response, *, cap: int, deadline: float, line_bytes: int
) -> Generator[Any, None, None]:
    """The JSON payloads of a server-sent-events stream until ``[DONE]``: at most ``cap``
    bytes in all, until ``deadline`` (``time.monotonic``), no line over ``line_bytes``.
    Payloads that are not JSON are skipped (comments, keep-alives)."""
    buffer = bytearray()  # the start of a line whose end has not arrived
    total = 0
    for chunk in _raw(response):
        total += len(chunk)
        if total > cap:
            raise Exceeded("bytes", cap)
        if time.monotonic() > deadline:
            raise Exceeded("time", deadline)
        start = 0
        for end in _LINE_END.finditer(chunk):
            line = bytes(buffer) + chunk[start : end.start()]
            buffer.clear()
            start = end.end()
            event = _event_of(line)
            if event is _DONE:
                return
            if event is not None:
                yield event
        buffer += chunk[start:]
        if len(buffer) > line_bytes:
            raise Exceeded("line", line_bytes)


_DONE = object()


def _event_of(line: bytes) -> Any:
    """A line's JSON payload; ``_DONE`` at the end; None for anything else."""
    if not line.startswith(b"data:"):
        return None
    payload = line[5:].strip()
    if payload == b"[DONE]":
        return _DONE
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: [[[[… a thousand deep
        return None


# -- what an event holds, its types checked ---------------------------------------------


class Malformed(Exception):
    """A field of the wrong type: ``where`` names it, ``expected`` what it should be."""

    def __init__(self, where: str, expected: str) -> None:
        super().__init__(f"{where} is not {expected}")
        self.where, self.expected = where, expected


@dataclass(frozen=True)
class Piece:
    """One streamed event of a chat completion, as far as Hushdesk reads it."""

    text: str = ""
    finish: str | None = None
    error: Any = None
    reasoning: str = ""  # a reasoning model's thinking, in a field of its own
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def read_event(event: Any) -> Piece:
    """The parts of an OpenAI-style ``chat.completion.chunk`` Hushdesk uses; ``null``
    stands for absent (as servers send it), any other wrong type raises ``Malformed``."""
    event = _typed(event, dict, "the event", "an object")
    if event.get("error") is not None:
        return Piece(error=event["error"])
    usage = event.get("usage") if isinstance(event.get("usage"), dict) else {}
    texts: list[str] = []
    thoughts: list[str] = []
    finish = None
    choices = _typed(event.get("choices"), list, "choices", "a list") or []
    for n, entry in enumerate(choices[:4]):
        where = f"choices[{n}]"
        choice = _typed(entry, dict, where, "an object") or {}
        part = "delta" if "delta" in choice else "message"  # a server that did not stream
        delta = _typed(choice.get(part), dict, f"{where}.{part}", "an object") or {}
        texts.append(_typed(delta.get("content"), str, f"{where}.{part}.content", "text") or "")
        for field in ("reasoning_content", "reasoning"):  # DeepSeek, llama-server; OpenRouter
            thought = _typed(delta.get(field), str, f"{where}.{part}.{field}", "text")
            if thought:
                thoughts.append(thought)
                break
        finish = _typed(choice.get("finish_reason"), str, f"{where}.finish_reason", "text")
    return Piece(
        "".join(texts),
        finish or None,
        reasoning="".join(thoughts),
        prompt_tokens=_count(usage, "prompt_tokens"),
        completion_tokens=_count(usage, "completion_tokens"),
    )


def _typed(value: Any, kind: type, where: str, expected: str) -> Any:
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise Malformed(where, expected)


def _count(usage: dict[str, Any], key: str) -> int | None:
    """A usage count, or None: counts are only statistics, so one of the wrong type or
    out of range is left out rather than failing an answer."""
    value = usage.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**9:
        return value
    return None


class Budget:
    """``max_tokens`` counted on this side (a server may ignore it): a chunk of text
    costs a token, or one per ``chars_per_token`` characters when longer, and the stream
    is cut once the request's tokens and a small allowance (for a server whose chunks
    are not tokens) are spent."""

    def __init__(self, max_tokens: int, chars_per_token: int) -> None:
        self.limit = max(max_tokens, 1) + max(4, max_tokens // 16)
        self.chars_per_token = chars_per_token
        self.used = 0

    @property
    def spent(self) -> bool:
        return self.used >= self.limit

    def take(self, text: str) -> str:
        """``text``, or the start of it that the budget still allows."""
        cost = max(1, -(-len(text) // self.chars_per_token))
        room = self.limit - self.used
        if cost <= room:
            self.used += cost
            return text
        self.used = self.limit
        return text[: room * self.chars_per_token]


# -- what a server says went wrong ------------------------------------------------------


def error_text(body: bytes) -> str:
    """The server's reason, from the start of its error body (JSON or text)."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return reason_of(text)
    return reason_of(data.get("error", data.get("detail", "")) if isinstance(data, dict) else "")


def reason_of(error: Any) -> str:
    """At most 300 characters of a server's reason, on one line."""
    if isinstance(error, dict):
        error = error.get("message") or error
    text = error if isinstance(error, str) else repr(error)[:600]
    return " ".join(_CONTROLS.sub("", text[:300]).split())


def context_of(entry: dict[str, Any]) -> int | None:
    """A model list entry's context size, in whichever field its server names it."""
    for key in ("max_model_len", "context_length", "max_context_length", "n_ctx"):
        value = entry.get(key)
        if is_count(value):
            return value
    meta = entry.get("meta")
    if isinstance(meta, dict):
        value = meta.get("n_ctx") or meta.get("n_ctx_train")
        if is_count(value):
            return value
    return None


def is_name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 256


def is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 10**8
