"""Runs the Indexing service's jobs on the ``ingest`` pool and shows them on a JobBar:
progress, Pause ↔ Resume, Cancel, and after each job whatever the service says comes
next (the clean-up after a cancel, a queued add, a rescan)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from hushdesk.errors import Cancelled
from hushdesk.services.indexing import FileEvent, Indexing, IndexJob, IngestReport
from hushdesk.ui.messages import count_of, warning
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.job_bar import JobBar


class IndexingRunner(QObject):
    fileEvent = Signal(object)  # a FileEvent
    said = Signal(str)  # a line for the page's status
    ended = Signal()  # a job ended (the next may have started)

    def __init__(self, indexing: Indexing, tasks: Tasks, bar: JobBar) -> None:
        super().__init__(bar)
        self.indexing, self.tasks, self.bar = indexing, tasks, bar
        bar.pauseRequested.connect(self.pause)
        bar.resumeRequested.connect(self.resume)

    def run(self, job: IndexJob | None) -> None:
        if job is None:
            return
        self.bar.start("Cancelling…" if job.dropping else "Starting…")
        # Results reach bound methods: Qt drops them once the page (and this) is gone.
        self.tasks.run(
            lambda *, progress, event, **_: job.run(progress=progress, on_file=event),
            pool="ingest",
            job_args=True,
            token=job.token,
            title="Cancelling indexing" if job.dropping else "Indexing documents",
            on_progress=self.bar.show_progress,
            on_event=self.fileEvent.emit,
            on_result=self._finished,
            on_error=self._failed,
            on_finished=self._ended,
        )

    def pause(self) -> None:
        """Stop after the current step; what is not indexed yet stays queued."""
        if self.indexing.pause():
            self.bar.label.setText("Pausing…")

    def resume(self) -> None:
        """Go on after a pause with the paused job (adds made meanwhile follow it)."""
        self.run(self.indexing.resume())

    def cancel(self) -> None:
        """Stop, and take the files not indexed yet out of the job's libraries."""
        self.bar.label.setText("Cancelling…")
        self.run(self.indexing.cancel())

    def _finished(self, report: IngestReport) -> None:
        job = self.indexing.job  # the one that ran: the service runs one at a time
        if job is not None and job.dropping:
            dropped = count_of(report.dropped, "file")
            self.said.emit(f"Cancelled: {dropped} not indexed yet taken out of the library.")
            return
        failed = f", {len(report.failed)} failed — see Notes" if report.failed else ""
        self.said.emit(f"{count_of(len(report.done), 'file')} ready{failed}.")

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.said.emit(warning(error))
        elif (job := self.indexing.job) is not None and job.token.paused:
            self.said.emit("Paused. Resume continues where it stopped.")

    def _ended(self) -> None:
        job = self.indexing.job
        if job is None:
            return
        following = self.indexing.ended(job)
        if self.indexing.state == "paused":
            self.bar.show_paused()
        elif following is None:
            self.bar.hide()
        self.ended.emit()
        self.run(following)


__all__ = ["FileEvent", "IndexingRunner"]
