"""Model downloads as a front end follows them: which are listed (new ones, and those a
pause, a quit or a crash left unfinished), running, paused; start, pause, resume,
cancel, retry. A download runs on the front end's worker (``Download.run``); running it
again resumes it where the partial file stops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from hushdesk.errors import Cancelled
from hushdesk.jobs import ProgressCallback
from hushdesk.models.catalog import Catalog
from hushdesk.models.download import DownloadControl, DownloadJob
from hushdesk.models.registry import InstalledModel

__all__ = ["Download", "Downloads", "Outcome"]

Outcome = Literal["installed", "paused", "cancelled", "failed"]


class Installer(Protocol):
    """What downloads need of the models service (``services.models.Models``)."""

    @property
    def catalog(self) -> Catalog: ...

    def unfinished(self) -> list[DownloadJob]: ...

    def plan(self, model_id: str, quantization: str | None = None) -> DownloadJob: ...

    def install(
        self,
        job: DownloadJob,
        *,
        control: DownloadControl | None = None,
        progress: ProgressCallback | None = None,
    ) -> InstalledModel: ...

    def discard(self, job: DownloadJob) -> None: ...


@dataclass
class Download:
    key: str  # "catalog id:quantization" ("catalog id:" for a folder model)
    name: str
    plan: Callable[[], DownloadJob]  # asks the hub what to fetch (network)
    job: DownloadJob | None = None  # what is being fetched, once known
    control: DownloadControl | None = field(default=None, repr=False)  # while it runs

    @property
    def running(self) -> bool:
        return self.control is not None

    def progress_on_disk(self) -> tuple[int, int]:
        """(bytes on disk, bytes in all) — (0, 0) before the hub was asked."""
        if self.job is None:
            return 0, 0
        return self.job.bytes_on_disk(), self.job.total_bytes


class Downloads:
    def __init__(self, models: Installer) -> None:
        self._models = models
        self.listed: dict[str, Download] = {}

    def unfinished(self) -> list[Download]:
        """Downloads left paused or cut off, listed again (oldest first)."""
        found = []
        for job in self._models.unfinished():
            catalog_id = str(job.details.get("catalog_id", job.model_id))
            quantization = job.details.get("quantization")
            key = f"{catalog_id}:{quantization or ''}"
            if key in self.listed:
                continue

            found.append(self._list(Download(key, job.name, self._planner(job), job)))
        return found

    def _planner(self, job: DownloadJob) -> Callable[[], DownloadJob]:
        """How to ask the hub again for a listed job (a retry after an error)."""
        catalog_id, quantization = job.details.get("catalog_id"), job.details.get("quantization")
        if catalog_id and quantization:
            return lambda: self._models.plan(str(catalog_id), str(quantization))
        return lambda: job

    def start(self, catalog_id: str, quantization: str) -> Download | None:
        """A new download of a catalog model (None when it is listed already)."""
        key = f"{catalog_id}:{quantization}"
        if key in self.listed:
            return None
        name = self._models.catalog.name_of(catalog_id)
        name += f" ({quantization})" if quantization else ""
        return self._list(Download(key, name, lambda: self._models.plan(catalog_id, quantization)))

    def again(self, catalog_id: str, quantization: str) -> Download | None:
        """The listed download of this model when it is not running (it failed, or was
        paused) and is asked for again: run it once more; None otherwise."""
        listed = self.listed.get(f"{catalog_id}:{quantization}")
        return listed if listed is not None and not listed.running else None

    def _list(self, download: Download) -> Download:
        self.listed[download.key] = download
        return download

    def begin(self, download: Download) -> DownloadControl:
        """Mark it running; the returned control pauses or cancels it."""
        download.control = DownloadControl()
        return download.control

    def run(
        self, download: Download, *, progress: ProgressCallback | None = None
    ) -> InstalledModel:
        """Fetch (or go on fetching), verify and install. On a worker: it uses the network."""
        control = download.control or self.begin(download)
        if download.job is None:
            download.job = download.plan()
        control.raise_if_cancelled()
        return self._models.install(download.job, control=control, progress=progress)

    def pause(self, download: Download) -> None:
        if download.control is not None:
            download.control.pause()

    def pause_all(self) -> None:
        """On quit: running downloads stop and stay resumable."""
        for download in self.listed.values():
            self.pause(download)

    def cancel(self, download: Download) -> bool:
        """Stop it and delete what it fetched. True when that is done now; a running
        download stops first (``ended`` then says "cancelled")."""
        if download.control is not None:
            download.control.cancel()
            return False
        if download.job is not None:
            self._models.discard(download.job)
        self.listed.pop(download.key, None)
        return True

    def ended(self, download: Download, error: BaseException | None = None) -> Outcome:
        """The run is over: installed, paused (resumable), cancelled (gone) or failed
        (a retry asks the hub again; what is on disk is reused)."""
        control, download.control = download.control, None
        if error is None:
            self.listed.pop(download.key, None)
            return "installed"
        if isinstance(error, Cancelled):
            if control is not None and control.paused:
                return "paused"
            self.listed.pop(download.key, None)
            return "cancelled"
        download.job = None
        return "failed"
