"""The one local engine, shared: every front end (the window's chat, a summary, the
local API's clients) takes turns on it, and the engine alone says whose turn it is.

``SharedEngine`` owns the engine child, what it has loaded and the turns; ``seat(spec)``
gives one model's users their own ``Engine``: each call waits for the model's turn in
arrival order, loads that model first when another one answered meanwhile, and can be
stopped on its own. Work of many model calls (a summary) takes one turn per call, so
a chat sent meanwhile answers between two of them; one answer's calls (a count, then
the answer) keep the turn with ``hold``."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from hushdesk.engine.base import ChatStream, Engine, Stopper
from hushdesk.engine.types import ChatResult, LoadSpec, Message, ModelInfo, SamplingParams


class Turns:
    """The model's turns: first come, first served (a plain lock lets any waiter in).

    Re-entrant on the thread that holds it; the holder may let go from another thread
    (a stream finished by the garbage collector)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[int] = deque()
        self._tickets = itertools.count()
        self._owner: int | None = None  # the thread holding the turn
        self._depth = 0
        self._waits = threading.local()  # seconds each thread waited for its turns

    @contextmanager
    def turn(self, abandon: Callable[[], bool] = lambda: False) -> Iterator[bool]:
        """The model's turn (True), or False when ``abandon()`` came true while waiting
        (who makes it true calls ``wake``)."""
        got = self.acquire(abandon)
        try:
            yield got
        finally:
            if got:
                self.release()

    def acquire(self, abandon: Callable[[], bool] = lambda: False) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return True
            ticket, started = next(self._tickets), time.monotonic()
            self._queue.append(ticket)
            try:
                self._cond.wait_for(
                    lambda: abandon() or (self._depth == 0 and self._queue[0] == ticket)
                )
                if not (self._depth == 0 and self._queue[0] == ticket):
                    return False  # abandoned while waiting
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()  # the next in line may be first now
                self._waits.s = self.waited() + time.monotonic() - started
            self._owner, self._depth = me, 1
            return True

    def wake(self) -> None:
        """Waiters look again at whether they are abandoned."""
        with self._cond:
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()

    def waited(self) -> float:
        """Seconds this thread has waited for its turns so far."""
        return float(getattr(self._waits, "s", 0.0))

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)


class SharedEngine:
    """The engine every front end shares (started on first use by ``start``), what it has
    loaded, and whose turn it is."""

    def __init__(self, start: Callable[[], Engine], engine: Engine | None = None) -> None:
        self.turns = Turns()
        self._start = start
        self._engine = engine
        self._lock = threading.Lock()
        self._loaded: LoadSpec | None = None

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._start()
            return self._engine

    @property
    def started(self) -> Engine | None:
        """The engine, if it runs (stopping or closing never starts it)."""
        return self._engine

    @property
    def loaded(self) -> LoadSpec | None:
        """How the loaded model was loaded, if it is loaded."""
        engine = self._engine
        return self._loaded if engine is not None and engine.model is not None else None

    def ensure_loaded(self, spec: LoadSpec) -> ModelInfo:
        """Load ``spec`` unless it is loaded just so (in turn: never under an answer)."""
        with self.turns.turn():
            engine = self.engine
            if self._loaded == spec and engine.model is not None:
                return engine.model
            info = engine.load(spec)
            self._loaded = spec
            return info

    def forget(self) -> None:
        """A model's settings changed: the next call loads it again."""
        self._loaded = None

    def seat(self, spec: Callable[[], LoadSpec]) -> Seat:
        """The engine as one model's users see it; ``spec()`` is read at every call (the
        settings may change between two)."""
        return Seat(self, spec)

    def close(self) -> None:
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()


class Seat:
    """One model's view of the shared engine (an ``Engine``): every call waits for the
    model's turn and loads this model first if another one answered meanwhile."""

    def __init__(self, shared: SharedEngine, spec: Callable[[], LoadSpec]) -> None:
        self.shared, self.spec = shared, spec

    @property
    def model(self) -> ModelInfo | None:
        return self.shared.ensure_loaded(self.spec())

    def load(self, spec: LoadSpec) -> ModelInfo:
        return self.shared.ensure_loaded(self.spec())

    def count_tokens(self, messages: Sequence[Message]) -> int:
        with self.shared.turns.turn():
            self.shared.ensure_loaded(self.spec())
            return self.shared.engine.count_tokens(messages)

    def chat(self, messages: Sequence[Message], params: SamplingParams) -> ChatStream:
        result, stopper = ChatResult(), Stopper()
        return ChatStream(
            self._stream(list(messages), params, result, stopper), result, stopper.stop
        )

    @contextmanager
    def hold(self, stopper: Stopper) -> Iterator[bool]:
        """The model's turn for several calls of one answer (a count, then the answer):
        True, or False when ``stopper`` stopped while it waited (it ends the wait)."""
        turns = self.shared.turns
        stopper.on_stop = turns.wake
        with turns.turn(lambda: stopper.stopped) as got:
            yield got

    def _stream(
        self, messages: list[Message], params: SamplingParams, result: ChatResult, stopper: Stopper
    ) -> Iterator[str]:
        with self.hold(stopper) as got:
            if not got or stopper.stopped:  # stopped while it waited: it never begins
                result.stats.finish_reason = "cancelled"
                return
            self.shared.ensure_loaded(self.spec())
            inner = stopper.begin(self.shared.engine.chat(messages, params))
            try:
                yield from inner.pieces()  # the thinking passes on as ``Thought``
            finally:
                inner.close()
                result.text, result.stats = inner.result.text, inner.result.stats

    def stop(self) -> None:
        """Stop whatever the model is writing (``ChatStream.stop`` stops one answer)."""
        engine = self.shared.started
        if engine is not None:
            engine.stop()

    def kill(self) -> None:
        engine = self.shared.started
        if engine is not None:
            engine.kill()

    def close(self) -> None:
        """The shared engine is closed by its owner; nothing to close here."""
