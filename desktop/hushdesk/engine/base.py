"""The interface every engine speaks: the local llama.cpp child, or a remote server."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from hushdesk.engine import reasoning
from hushdesk.engine.types import ChatResult, LoadSpec, Message, ModelInfo, SamplingParams


class ChatStream:
    """The answer's text chunks as the model writes them; ``result`` holds the whole
    answer afterwards. A reasoning model's thinking is kept out of them
    (``engine.reasoning``): it goes to ``on_reasoning`` when set, and to
    ``result.reasoning``; ``pieces()`` gives both, the thinking as ``Thought``.

    ``stop()`` (any thread) ends this answer soon, keeping what it wrote, and only this
    one: an answer still waiting for the model ends before it begins. ``thinking``: the
    prompt itself opened a reasoning block."""

    def __init__(
        self,
        chunks: Iterator[str],
        finish: ChatResult,
        stop: Callable[[], None] | None = None,
        *,
        thinking: bool = False,
    ) -> None:
        self._chunks = reasoning.split(chunks, finish, thinking=thinking)
        self.result = finish  # filled in by the producer when the stream ends
        self._stop = stop
        self.on_reasoning: Callable[[str], None] | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            piece = next(self._chunks)
            if not isinstance(piece, reasoning.Thought):
                return piece
            if self.on_reasoning is not None:
                self.on_reasoning(piece)

    def pieces(self) -> Iterator[str]:
        """The answer's chunks and the reasoning's (``Thought``), in order."""
        return self._chunks

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()

    def close(self) -> None:
        """Abandon the stream; the engine stops generating and stays usable."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def collect(self) -> ChatResult:
        for _ in self._chunks:
            pass
        return self.result


class Stopper:
    """One answer's stop, asked before its model stream began (it then stops as soon as
    it begins) or after."""

    def __init__(self) -> None:
        self.stopped = False
        self.on_stop: Callable[[], None] | None = None  # told at once (a wait to end)
        self._inner: ChatStream | None = None

    def begin(self, inner: ChatStream) -> ChatStream:
        self._inner = inner
        if self.stopped:  # stopped just as it began
            inner.stop()
        return inner

    def stop(self) -> None:
        self.stopped = True
        if self.on_stop is not None:
            self.on_stop()
        if self._inner is not None:
            self._inner.stop()


class Engine(Protocol):
    def load(self, spec: LoadSpec) -> ModelInfo: ...

    @property
    def model(self) -> ModelInfo | None: ...

    def chat(self, messages: Sequence[Message], params: SamplingParams) -> ChatStream: ...

    def stop(self) -> None:
        """Ask the current generation to end soon, keeping what it wrote. Any thread."""

    def kill(self) -> None:
        """Abort whatever runs now, at once, from any thread (app shutdown)."""

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens the rendered conversation takes, generation prompt included."""

    def hold(self, stopper: Stopper) -> AbstractContextManager[bool]:
        """The model's turn for several calls of one answer (a count, then the answer):
        True, or False when ``stopper`` stopped while it waited. An engine no one shares,
        or a server that answers side by side, gives it at once (``at_once``)."""

    def close(self) -> None: ...


def at_once(stopper: Stopper) -> AbstractContextManager[bool]:
    """``Engine.hold`` where nobody waits: the turn, at once."""
    return nullcontext(True)
