"""Indexing: add files and folders to libraries, one job at a time, with a queue, pause,
resume and cancel; finish what a quit or a crash interrupted; keep watched folders in
step. Qt-free: a front end asks what to run, runs the job on its own thread, and says
when it ended; the Documents page and ``hushdesk ingest [--watch]`` work the same way.

- A job stops at a safe point when paused (``CancelToken.pause``); resuming runs it
  again, and files already indexed are skipped, so it goes on where it stopped.
- Adds made while a job runs (or is paused) wait in the queue, each with its library.
- Cancel stops the job and takes the files not indexed yet out of its libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.library import watch
from hushdesk.library.ingest import FileEvent, IngestReport
from hushdesk.library.store import Library

__all__ = ["FileEvent", "IndexJob", "Indexing", "IngestReport", "Signature", "State"]

Signature = watch.Signature

State = Literal["idle", "running", "paused", "cancelling"]
FileCallback = Callable[[FileEvent], None]
Work = Callable[[CancelToken, ProgressCallback | None, FileCallback | None], IngestReport]


@dataclass
class IndexJob:
    """One indexing run over ``libraries``. ``dropping`` marks the clean-up after a
    cancel (it takes out what was not indexed)."""

    libraries: list[Library]
    work: Work
    dropping: bool = False
    token: CancelToken = field(default_factory=CancelToken)

    def run(
        self, *, progress: ProgressCallback | None = None, on_file: FileCallback | None = None
    ) -> IngestReport:
        return self.work(self.token, progress, on_file)

    def again(self) -> IndexJob:
        """The same job with a fresh token (a resume: done files are skipped)."""
        return IndexJob(self.libraries, self.work, self.dropping)


@dataclass
class _Add:
    library: Library
    paths: list[Path]
    passwords: dict[str, str]


class LibraryRecords(Protocol):
    """The libraries' records indexing reads and writes (``library.store.DocumentStore``)."""

    def libraries(self) -> list[Library]: ...

    def library_by_id(self, library_id: int) -> Library | None: ...

    def set_watch_folder(self, library: Library, folder: str | None) -> None: ...


class Indexer(Protocol):
    """What indexing needs of the document libraries (``library.libraries.DocumentLibrary``)."""

    @property
    def store(self) -> LibraryRecords: ...

    def ingest(
        self,
        library: Library,
        sources: list[Path],
        *,
        cancel: CancelToken,
        progress: ProgressCallback | None,
        on_file: FileCallback | None,
        password_for: Callable[[Path], str | None] | None = None,
    ) -> IngestReport: ...

    def sync_folder(
        self,
        library: Library,
        folder: Path,
        *,
        cancel: CancelToken,
        progress: ProgressCallback | None,
        on_file: FileCallback | None,
    ) -> IngestReport: ...

    def pending(self) -> list[Library]: ...

    def drop_unfinished(self, library: Library) -> int: ...


class Indexing:
    def __init__(self, library: Indexer, indexed: Callable[[Library], None] | None = None) -> None:
        self._library = library
        self._indexed = indexed  # told after a job, for each of its libraries (sharing)
        self.state: State = "idle"
        self.job: IndexJob | None = None  # running, paused or being cancelled
        self._waiting: list[_Add] = []
        self._rescan_wanted = False

    # -- starting work --------------------------------------------------------------------

    def add(
        self, library: Library, paths: list[Path], passwords: dict[str, str] | None = None
    ) -> IndexJob | None:
        """Index these files and folders into ``library`` and finish anything left there.
        Returns the job to run now, or None when it waits for the current one.
        ``passwords`` (by path) are held only for this job."""
        request = _Add(library, list(paths), dict(passwords or {}))
        if self.state != "idle":
            self._waiting.append(request)
            return None
        return self._start(self._add_job(request))

    def rescan(self) -> IndexJob | None:
        """Finish interrupted indexing and bring watched folders up to date (at start-up
        and when a watched folder changes). While a job runs this happens after it;
        while paused, Resume does it."""
        if self.state in ("running", "cancelling"):
            self._rescan_wanted = True
            return None
        if self.state == "paused":
            return None
        job = self._rescan_job()
        return self._start(job) if job is not None else None

    def _start(self, job: IndexJob) -> IndexJob:
        self.job, self.state = job, "running"
        return job

    def _add_job(self, request: _Add) -> IndexJob:
        library, passwords = self._library, request.passwords

        def work(
            cancel: CancelToken, progress: ProgressCallback | None, on_file: FileCallback | None
        ) -> IngestReport:
            report = library.ingest(
                request.library,
                request.paths,
                cancel=cancel,
                progress=progress,
                on_file=on_file,
                password_for=lambda p: passwords.get(str(p)),
            )
            self._tell([request.library])
            return report

        return IndexJob([request.library], work)

    def _rescan_job(self) -> IndexJob | None:
        library = self._library
        targets = [
            (lib, Path(lib.watch_folder))
            for lib in library.store.libraries()
            if lib.watch_folder and Path(lib.watch_folder).is_dir()
        ]
        watched = {lib.id for lib, _folder in targets}
        unfinished = [lib for lib in library.pending() if lib.id not in watched]
        if not targets and not unfinished:
            return None

        def work(
            cancel: CancelToken, progress: ProgressCallback | None, on_file: FileCallback | None
        ) -> IngestReport:
            report = IngestReport()
            for lib in unfinished:
                part = library.ingest(lib, [], cancel=cancel, progress=progress, on_file=on_file)
                report.events += part.events
            for lib, folder in targets:
                part = library.sync_folder(
                    lib, folder, cancel=cancel, progress=progress, on_file=on_file
                )
                report.events += part.events
            self._tell(unfinished + [lib for lib, _folder in targets])
            return report

        return IndexJob(unfinished + [lib for lib, _folder in targets], work)

    def _tell(self, libraries: list[Library]) -> None:
        if self._indexed is not None:
            for library in libraries:
                self._indexed(library)

    def _drop_job(self, libraries: list[Library]) -> IndexJob:
        library = self._library

        def work(
            _cancel: CancelToken, _progress: ProgressCallback | None, _on_file: FileCallback | None
        ) -> IngestReport:
            return IngestReport(dropped=sum(library.drop_unfinished(lib) for lib in libraries))

        return IndexJob(libraries, work, dropping=True)

    # -- controlling the job --------------------------------------------------------------

    def pause(self) -> bool:
        """Stop after the current step; what is not indexed yet stays queued. True if
        there was a job to pause."""
        if self.state != "running" or self.job is None or self.job.dropping:
            return False
        self.job.token.pause()
        return True

    def resume(self) -> IndexJob | None:
        """Go on with the paused job (adds made meanwhile follow it)."""
        if self.state != "paused" or self.job is None:
            return None
        return self._start(self.job.again())

    def cancel(self) -> IndexJob | None:
        """Stop, and take the files not indexed yet out of the job's libraries. Returns
        the clean-up job to run now when the job was paused; a running job stops first
        and ``ended`` returns the clean-up."""
        if self.job is None or self.state not in ("running", "paused"):
            return None
        self._waiting.clear()
        if self.state == "running":
            self.state = "cancelling"
            self.job.token.cancel()
            return None
        return self._start(self._drop_job(self.job.libraries))

    def ended(self, job: IndexJob) -> IndexJob | None:
        """The front end's job finished (done, failed, paused or cancelled). Returns
        the next job to run: the clean-up after a cancel, a waiting add, a rescan."""
        if job is not self.job:
            return None
        if self.state == "cancelling" and not job.dropping:
            return self._start(self._drop_job(job.libraries))
        if job.token.cancelled and job.token.paused:
            self.state = "paused"
            return None
        self.job, self.state = None, "idle"
        if self._waiting:
            return self._start(self._add_job(self._waiting.pop(0)))
        if self._rescan_wanted:
            self._rescan_wanted = False
            return self.rescan()
        return None

    @property
    def libraries(self) -> list[Library]:
        """What the current (or paused) job indexes."""
        return list(self.job.libraries) if self.job is not None else []

    @property
    def busy(self) -> bool:
        return self.state in ("running", "cancelling")

    # -- watched folders ------------------------------------------------------------------

    def watch_folder(self, library: Library, folder: Path) -> Library:
        """New, changed and deleted files in ``folder`` are indexed as they happen (call
        ``rescan`` to start)."""
        self._library.store.set_watch_folder(library, str(folder.expanduser().resolve()))
        return self._library.store.library_by_id(library.id) or library

    def watched_folders(self) -> tuple[list[str], Signature]:
        """Every folder to watch (subfolders included) and their signature; lists the
        trees, so run it off the GUI thread."""
        roots = [
            Path(lib.watch_folder) for lib in self._library.store.libraries() if lib.watch_folder
        ]
        return watch.folders(roots)

    @staticmethod
    def folders_signature(folders: list[str]) -> Signature:
        """The folders' signature now (``watched_folders`` gave the one to compare)."""
        return watch.signature(folders)

    def pending(self) -> list[Library]:
        """Libraries with files still to index (an interrupted run, a rebuild)."""
        return self._library.pending()

    def has_work_at_start(self) -> bool:
        """Something to finish or a folder to watch: worth a rescan at start-up."""
        return bool(self._library.pending()) or any(
            lib.watch_folder for lib in self._library.store.libraries()
        )
