"""The one way pages run core work off the GUI thread.

``Tasks.run(fn, ...)`` calls ``fn`` on a worker thread and delivers its result, error,
progress and (for token streams) text chunks back on the GUI thread through Qt
signals. Widgets are never touched from a worker.

Pools: ``model`` has a single thread, so the engine (and anything else that owns the
loaded model) sees one request at a time in order; ``downloads`` runs model downloads
(two at a time) so they never hold up ``io``, which is for the rest.
A stream's text is batched (~30 ms) so a fast model never floods the event loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from hushdesk.jobs import CancelToken, Progress

log = logging.getLogger("hushdesk.ui")

STREAM_BATCH_S = 0.03


class TaskSignals(QObject):
    message = Signal(object)  # anything else the job reports along the way
    progress = Signal(object)
    chunk = Signal(str)
    result = Signal(object)
    error = Signal(object)
    finished = Signal()


class Task:
    """One job. ``fn`` may take ``cancel=``, ``progress=`` and ``event=`` keyword arguments;
    with ``stream=True`` it returns an iterable of text whose pieces are batched and
    emitted as ``chunk``; the iterable's ``result`` attribute (if any) is the result.

    A plain object handed to ``QThreadPool.start`` as a callable: a QRunnable that is
    not auto-deleted would keep the job and everything it captured alive for good.
    Cancelling asks the job to stop (``on_cancel``), again once a stream has started,
    so a stop pressed while the job was still queued or loading is never lost.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        stream: bool = False,
        on_cancel: Callable[[], None] | None = None,
        pass_job_args: bool = False,
    ) -> None:
        self.signals = TaskSignals()
        self.cancel_token = CancelToken()
        self._fn = fn
        self._stream = stream
        self._on_cancel = on_cancel
        self._pass_job_args = pass_job_args
        self.done = False

    def cancel(self) -> None:
        self.cancel_token.cancel()
        self._signal_cancel()

    def _signal_cancel(self) -> None:
        if self._on_cancel is not None:
            self._on_cancel()

    def _report(self, progress: Progress) -> None:
        self.signals.progress.emit(progress)

    def run(self) -> None:
        try:
            self.cancel_token.raise_if_cancelled()
            if self._pass_job_args:
                value = self._fn(
                    cancel=self.cancel_token, progress=self._report, event=self.signals.message.emit
                )
            else:
                value = self._fn()
            if self._stream:
                value = self._drain(value)
        except BaseException as exc:
            log.debug("task failed", exc_info=True)
            self.signals.error.emit(exc)
        else:
            self.signals.result.emit(value)
        finally:
            self.done = True
            self.signals.finished.emit()

    def _drain(self, stream: Iterable[str]) -> Any:
        pending: list[str] = []
        last = time.monotonic()
        resent = False
        for piece in stream:
            if self.cancel_token.cancelled and not resent:
                self._signal_cancel()  # the stream has started: now the stop reaches it
                resent = True
            pending.append(piece)
            now = time.monotonic()
            if now - last >= STREAM_BATCH_S:
                self.signals.chunk.emit("".join(pending))
                pending.clear()
                last = now
        if pending:
            self.signals.chunk.emit("".join(pending))
        return getattr(stream, "result", None)


class Tasks(QObject):
    """Owns the worker pools and keeps every running task alive until it finishes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = {
            "model": QThreadPool(self),
            "io": QThreadPool(self),
            "downloads": QThreadPool(self),
            "ingest": QThreadPool(self),
        }
        self._pools["ingest"].setMaxThreadCount(1)  # indexing: one job, low priority
        self._pools["model"].setMaxThreadCount(1)
        self._pools["io"].setMaxThreadCount(2)
        self._pools["downloads"].setMaxThreadCount(2)
        self._running: set[Task] = set()

    def run(
        self,
        fn: Callable[..., Any],
        *,
        pool: str = "io",
        stream: bool = False,
        pass_job_args: bool = False,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_chunk: Callable[[str], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        on_event: Callable[[Any], None] | None = None,
    ) -> Task:
        task = Task(fn, stream=stream, on_cancel=on_cancel, pass_job_args=pass_job_args)
        signals = task.signals
        if on_result is not None:
            signals.result.connect(on_result)
        if on_error is not None:
            signals.error.connect(on_error)
        if on_progress is not None:
            signals.progress.connect(on_progress)
        if on_chunk is not None:
            signals.chunk.connect(on_chunk)
        if on_finished is not None:
            signals.finished.connect(on_finished)
        if on_event is not None:
            signals.message.connect(on_event)
        signals.finished.connect(lambda: self._running.discard(task))
        self._running.add(task)
        self._pools[pool].start(task.run)
        return task

    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until every pool is idle (shutdown and tests only)."""
        return all(pool.waitForDone(timeout_ms) for pool in self._pools.values())
