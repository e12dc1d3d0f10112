"""The one way pages run work off the GUI thread.

``Tasks.run(fn, ...)`` calls ``fn`` on a worker thread and returns a ``Job``: a handle
with a state (queued → running → done | failed | cancelled) whose signals deliver
progress, text, events, the result or the error back on the GUI thread. Widgets are
never touched from a worker.

With ``job_args=True`` the function receives the job model's keyword arguments:
``cancel`` (the job's ``CancelToken``), ``progress`` (a ``ProgressCallback``),
``on_text`` (text as it is written) and ``event`` (anything else worth telling).
With ``stream=True`` it returns an iterable of text (the iterable's ``result``
attribute, if any, is the result). Text always reaches the GUI batched (~30 ms), so a
fast model never floods the event loop.

A job given a ``title`` ("Indexing Smith lease", "Downloading Qwen2.5 1.5B") is
background work the user may leave running: ``Tasks.activity()`` lists those with
their latest progress, from any page, and ``activityFinished`` tells when one ends.

Pools: ``model`` runs the work that talks to a model — a chat, a summary, a draft,
the context meter — several at a time: the engine takes their model calls in turn
(``engine.shared.Turns``), so a chat sent during a long summary answers between two
of its steps instead of after it; ``ingest`` (one thread, low priority) indexes
documents; ``downloads`` runs model downloads (two at a time) so
they never hold up ``io``, which is for the rest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken, Progress

log = logging.getLogger("hushdesk.ui")

TEXT_BATCH_S = 0.03
MODEL_JOBS = 4  # model work at once (a chat, a summary, a draft, the meter): they take turns
State = Literal["queued", "running", "done", "failed", "cancelled"]


class JobSignals(QObject):
    state = Signal(str)
    progress = Signal(object)
    text = Signal(str)
    message = Signal(object)  # anything else the job tells (``event``)
    result = Signal(object)
    error = Signal(object)
    finished = Signal()


class Job:
    """One piece of work. Cancelling asks it to stop: a stream it returned is stopped
    (that answer only, even one still waiting for the model), else ``on_cancel`` is
    called; pausing is the same stop with the token marked ``paused``.

    A plain object handed to ``QThreadPool.start`` as a callable: a QRunnable that is
    not auto-deleted would keep the job and everything it captured alive for good.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        stream: bool = False,
        job_args: bool = False,
        token: CancelToken | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self.signals = JobSignals()
        self.token = token or CancelToken()
        self.state: State = "queued"
        self._fn = fn
        self._stream = stream
        self._job_args = job_args
        self._on_cancel = on_cancel
        self._reading: Any = None  # the stream being read, once the work returned it
        self._pending: list[str] = []
        self._flushed = 0.0
        self._text_lock = threading.Lock()

    def cancel(self) -> None:
        self.token.cancel()
        self._signal_cancel()

    def pause(self) -> None:
        self.token.pause()
        self._signal_cancel()

    def _signal_cancel(self) -> None:
        stop = getattr(self._reading, "stop", None)
        if stop is not None:
            stop()
        elif self._on_cancel is not None:
            self._on_cancel()

    def _set_state(self, state: State) -> None:
        self.state = state
        self.signals.state.emit(state)

    # -- on the worker --------------------------------------------------------------------

    def run(self) -> None:
        self._set_state("running")
        try:
            self.token.raise_if_cancelled()
            if self._job_args:
                value = self._fn(
                    cancel=self.token,
                    progress=self._progress,
                    on_text=self._text,
                    event=self.signals.message.emit,
                )
            else:
                value = self._fn()
            if self._stream:
                value = self._drain(value)
            self._flush()
        except BaseException as exc:
            self._flush()
            log.debug("job failed", exc_info=True)
            self._set_state("cancelled" if isinstance(exc, Cancelled) else "failed")
            self.signals.error.emit(exc)
        else:
            self._set_state("done")
            self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()

    def _progress(self, progress: Progress) -> None:
        self.signals.progress.emit(progress)

    def _text(self, piece: str) -> None:
        """Text is gathered and sent at most every ``TEXT_BATCH_S``."""
        with self._text_lock:
            self._pending.append(piece)
            now = time.monotonic()
            if now - self._flushed < TEXT_BATCH_S:
                return
            self._flushed = now
            text, self._pending = "".join(self._pending), []
        self.signals.text.emit(text)

    def _flush(self) -> None:
        with self._text_lock:
            text, self._pending = "".join(self._pending), []
        if text:
            self.signals.text.emit(text)

    def _drain(self, stream: Iterable[str]) -> Any:
        self._reading = stream
        if self.token.cancelled:  # cancelled while the work set the stream up
            self._signal_cancel()
        for piece in stream:
            self._text(piece)
        return getattr(stream, "result", None)


class Tasks(QObject):
    """Owns the worker pools and keeps every running job alive until it finishes."""

    activityChanged = Signal()  # a titled job started, moved on or ended
    activityFinished = Signal(str, str)  # its title, and how it ended (a ``State``)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = {
            "model": QThreadPool(self),
            "io": QThreadPool(self),
            "downloads": QThreadPool(self),
            "ingest": QThreadPool(self),
        }
        self._pools["ingest"].setMaxThreadCount(1)  # indexing: one job, low priority
        self._pools["model"].setMaxThreadCount(MODEL_JOBS)
        self._pools["io"].setMaxThreadCount(2)
        self._pools["downloads"].setMaxThreadCount(2)
        self._running: set[Job] = set()
        self._titled: dict[JobSignals, tuple[Job, str, Progress | None]] = {}

    def run(
        self,
        fn: Callable[..., Any],
        *,
        pool: str = "io",
        stream: bool = False,
        job_args: bool = False,
        token: CancelToken | None = None,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_text: Callable[[str], None] | None = None,
        on_event: Callable[[Any], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        title: str | None = None,
    ) -> Job:
        job = Job(fn, stream=stream, job_args=job_args, token=token, on_cancel=on_cancel)
        signals = job.signals
        if title is not None:
            self._follow(job, title)
        for signal, slot in (
            (signals.result, on_result),
            (signals.error, on_error),
            (signals.progress, on_progress),
            (signals.text, on_text),
            (signals.message, on_event),
            (signals.finished, on_finished),
        ):
            if slot is not None:
                signal.connect(slot)
        signals.finished.connect(lambda: self._running.discard(job))
        self._running.add(job)
        self._pools[pool].start(job.run)
        return job

    def _follow(self, job: Job, title: str) -> None:
        """Slots of this object, not closures: once it is gone (a closed window), Qt
        drops the connections instead of calling into a deleted object."""
        self._titled[job.signals] = (job, title, None)
        job.signals.progress.connect(self._moved)
        job.signals.finished.connect(self._ended)
        self.activityChanged.emit()

    @Slot(object)
    def _moved(self, progress: Progress) -> None:
        entry = self._titled.get(self.sender())  # type: ignore[call-overload]
        if entry is not None:
            self._titled[entry[0].signals] = (entry[0], entry[1], progress)
            self.activityChanged.emit()

    @Slot()
    def _ended(self) -> None:
        entry = self._titled.pop(self.sender(), None)  # type: ignore[call-overload]
        if entry is not None:
            job, title, _progress = entry
            self.activityChanged.emit()
            self.activityFinished.emit(title, job.state)

    def activity(self) -> list[tuple[str, Progress | None]]:
        """Background work under way (titled jobs), oldest first, with its progress."""
        return [(title, progress) for _job, title, progress in self._titled.values()]

    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until every pool is idle (shutdown and tests only)."""
        return all(pool.waitForDone(timeout_ms) for pool in self._pools.values())


class Latest(QObject):
    """A page's load of which only the newest result is shown: the io pool runs two at a
    time, and a load that ends after a newer one started (a list read before a save, a
    library switched away from) is dropped. A child of the page, so once the page is
    gone no result reaches it."""

    def __init__(
        self,
        tasks: Tasks,
        show: Callable[[Any], None],
        parent: QObject,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._show = show
        self._on_error = on_error
        self._serial = 0

    def run(self, fn: Callable[[], Any]) -> None:
        self._serial += 1
        serial = self._serial
        self._tasks.run(lambda: (serial, fn()), on_result=self._arrived, on_error=self._failed)

    @Slot(object)
    def _arrived(self, result: tuple[int, Any]) -> None:
        serial, value = result
        if serial == self._serial:
            self._show(value)

    @Slot(object)
    def _failed(self, error: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(error)
