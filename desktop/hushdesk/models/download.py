"""Resumable, verified model downloads from the Hugging Face hub (or a mirror).

A file is fetched to ``<target>.part`` with HTTP Range requests, so a pause, a dropped
connection, a closed or killed app all resume where they stopped. Nothing becomes
usable until its size and the hub's checksum match (sha256 for large files, the git
blob hash for small ones); then it is renamed into place in one step. The job's
description lives next to it in ``.downloads/``, so an unfinished download is found
again after a restart. Only the thread running the download may use the network
(``privacy.allow_network``).

The transfer is pinned to the repository commit the hub reported, so a file that
changes upstream while a download is paused cannot be stitched from two versions.
A Hugging Face token is sent only when the official hub asks for one (a gated model),
never to a mirror. One process at a time works on a job (a lock file), so the app and
``hushdesk models pull`` never write the same ``.part``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from hushdesk import paths
from hushdesk.errors import Cancelled, DownloadError
from hushdesk.fsutil import atomic_write_json, locked, read_json
from hushdesk.jobs import CancelToken, ProgressCallback, ProgressTracker
from hushdesk.models.hub import (
    RETRIES,
    Interrupted,
    RemoteFile,
    TokenProvider,
    check_status,
    endpoint,
    http_client,
    hub_token,
    network,
    send,
)

log = logging.getLogger("hushdesk.download")

CHUNK = 1024 * 1024
SPACE_MARGIN = 256 * 1024**2  # keep this much free beyond the download


class DownloadControl(CancelToken):
    """Cancel deletes the partial file; pause keeps it for later.

    Either one also closes the response being read, so a stalled connection cannot
    make the user wait for a read timeout.
    """

    def __init__(self) -> None:
        super().__init__()
        self._closer: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def pause(self) -> None:
        super().pause()
        self._close()

    def cancel(self) -> None:
        super().cancel()
        self._close()

    def _close(self) -> None:
        with self._lock:
            closer = self._closer
        if closer is not None:
            with contextlib.suppress(Exception):
                closer()

    @contextlib.contextmanager
    def reading(self, response: httpx.Response) -> Iterator[None]:
        with self._lock:
            self._closer = response.close
        try:
            yield
        finally:
            with self._lock:
                self._closer = None


@dataclass
class DownloadJob:
    """One model: one GGUF file, or the files of an embedding model's folder."""

    model_id: str
    name: str
    kind: str
    repo: str
    revision: str
    target_dir: str
    files: list[RemoteFile] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def target(self, remote: RemoteFile) -> Path:
        return Path(self.target_dir) / remote.filename

    def part(self, remote: RemoteFile) -> Path:
        return Path(self.target_dir) / (remote.filename + ".part")

    def bytes_on_disk(self) -> int:
        done = 0
        for remote in self.files:
            if self.target(remote).exists():
                done += remote.size
            elif self.part(remote).exists():
                done += self.part(remote).stat().st_size
        return done


# -- where things are -----------------------------------------------------------------------


def _state_file(model_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)
    return paths.downloads_dir() / f"{safe}.json"


def save_job(job: DownloadJob) -> None:
    atomic_write_json(_state_file(job.model_id), asdict(job))


def forget_job(job: DownloadJob) -> None:
    _state_file(job.model_id).unlink(missing_ok=True)


def unfinished() -> list[DownloadJob]:
    """Downloads that were paused, cancelled by a crash or cut off, oldest first."""
    jobs = []
    for path in sorted(paths.downloads_dir().glob("*.json"), key=lambda p: p.stat().st_mtime):
        raw = read_json(path)
        if not isinstance(raw, dict):
            continue
        try:
            files = [RemoteFile(**f) for f in raw.pop("files")]
            jobs.append(DownloadJob(**raw, files=files))
        except (AttributeError, TypeError, KeyError):
            log.warning("ignoring an unreadable download record %s", path.name)
    return jobs


# -- the transfer -------------------------------------------------------------------------


class _Meter:
    """Bytes done, speed over the last few seconds, time left (``jobs.ProgressTracker``)."""

    def __init__(self, job: DownloadJob, report: ProgressCallback | None) -> None:
        self._tracker = ProgressTracker(job.total_bytes, job.name, window_s=5.0)
        self._report = report
        self._last = 0.0

    def add(self, count: int, *, force: bool = False) -> None:
        tracker = self._tracker
        progress = tracker.update(tracker.done + count)
        now = time.monotonic()
        if self._report is not None and (force or now - self._last >= 0.2):
            self._last = now
            self._report(replace(progress, label=self.describe()))

    def describe(self) -> str:
        tracker = self._tracker
        total = tracker.total or 0
        text = f"{tracker.label}: {tracker.done / 1e6:,.0f} of {total / 1e6:,.0f} MB"
        if tracker.rate:
            text += f" · {tracker.rate / 1e6:.1f} MB/s"
        return text


def check_space(job: DownloadJob) -> None:
    folder = Path(job.target_dir)
    folder.mkdir(parents=True, exist_ok=True)
    needed = job.total_bytes - job.bytes_on_disk()
    free = shutil.disk_usage(folder).free
    if needed + SPACE_MARGIN > free:
        raise DownloadError(
            f"Not enough disk space for {job.name}: it needs {needed / 1e9:.1f} GB more and "
            f"{free / 1e9:.1f} GB is free on that disk. Free up space and try again."
        )


def run(
    job: DownloadJob,
    *,
    token: TokenProvider | None = hub_token,
    control: DownloadControl | None = None,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Download every file of ``job`` (resuming), verify, and move into place.

    Pausing raises ``Cancelled`` and keeps the partial files; cancelling raises it
    after deleting them and the files this run completed. A file that fails its
    checksum is deleted and the job forgotten, so the next try starts afresh; any other
    failure keeps what was downloaded for a resume.
    """
    control = control or DownloadControl()
    control.raise_if_cancelled()
    with _job_lock(job):
        check_space(job)
        save_job(job)
        meter = _Meter(job, progress)
        done: list[Path] = []
        created: list[Path] = []
        try:
            with http_client(job.files[0].url if job.files else endpoint()) as http:
                for remote in job.files:
                    existed = job.target(remote).exists()
                    done.append(_fetch(job, remote, http, control, meter, token=token))
                    if not existed:
                        created.append(done[-1])
        except Cancelled:
            if not control.paused:
                discard(job, created)
            raise
        except _Changed:
            forget_job(job)
            raise
        forget_job(job)
        meter.add(0, force=True)
        return done


def discard(job: DownloadJob, created: list[Path] | None = None) -> None:
    """Cancel: remove partial files, files this run completed, and the record."""
    for remote in job.files:
        job.part(remote).unlink(missing_ok=True)
    for path in created or []:
        path.unlink(missing_ok=True)
    forget_job(job)


@contextlib.contextmanager
def _job_lock(job: DownloadJob) -> Iterator[None]:
    """One process per job: the app and the command line never write the same file."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locked(_state_file(job.model_id).with_suffix(".lock"), wait=False))
        except BlockingIOError:
            raise DownloadError(
                f"{job.name} is already being downloaded by another Hushdesk window or "
                "command. Wait for it, or pause it there first."
            ) from None
        yield


class _Changed(DownloadError):
    """The bytes on the server are not the ones described: start the job again."""


def _fetch(
    job: DownloadJob,
    remote: RemoteFile,
    http: httpx.Client,
    control: DownloadControl,
    meter: _Meter,
    *,
    token: TokenProvider | None,
) -> Path:
    target = job.target(remote)
    if target.exists() and _matches(target, remote, control):
        meter.add(remote.size)
        return target  # already here and verified (a resumed multi-file job)
    target.parent.mkdir(parents=True, exist_ok=True)
    transfer = _Transfer(remote, job.part(remote), http, control, meter, token=token)
    try:
        _complete(transfer, control)
    except BaseException:
        transfer.hasher.close(abandon=True)
        raise
    transfer.verify()
    transfer.part.replace(target)
    return target


def _matches(path: Path, remote: RemoteFile, control: CancelToken) -> bool:
    if path.stat().st_size != remote.size:
        return False
    hasher = _Hasher(remote, path, existing=remote.size)
    control.raise_if_cancelled()
    return hasher.hexdigest() == (remote.sha256 or remote.git_sha1)


def _complete(transfer: _Transfer, control: CancelToken) -> None:
    """Repeat requests until the file is whole, resuming after dropped connections."""
    remote = transfer.remote
    attempts = 0
    while not transfer.complete:
        control.raise_if_cancelled()
        try:
            transfer.step()
        except (httpx.TransportError, Interrupted) as exc:
            control.raise_if_cancelled()  # closing the response on pause lands here
            attempts += 1
            if attempts > RETRIES:
                raise DownloadError(
                    f"The connection kept dropping while downloading {remote.filename}. "
                    "What was downloaded is kept: resume when the connection is better.",
                    detail=repr(exc),
                ) from exc
            log.info("download interrupted (%s); resuming", type(exc).__name__)
            time.sleep(min(2.0**attempts, 20.0))


class _Transfer:
    """One file into its ``.part``: resumes from what is on disk, hashes as it writes."""

    def __init__(
        self,
        remote: RemoteFile,
        part: Path,
        http: httpx.Client,
        control: DownloadControl,
        meter: _Meter,
        *,
        token: TokenProvider | None,
    ) -> None:
        self.remote, self.part, self.http = remote, part, http
        self.control, self.meter, self.token = control, meter, token
        self.offset = 0
        if part.exists():
            if part.stat().st_size > remote.size:
                part.unlink()
            else:
                self.offset = part.stat().st_size
                meter.add(self.offset)
        self.hasher = _Hasher(remote, part, existing=self.offset)

    @property
    def complete(self) -> bool:
        return self.offset >= self.remote.size

    def _restart(self) -> None:
        self.meter.add(-self.offset)
        self.offset = 0
        self.hasher.close(abandon=True)
        self.hasher = _Hasher(self.remote, self.part)

    def step(self) -> None:
        """One request: from ``offset`` to the end, or until the connection drops."""
        headers = {"Range": f"bytes={self.offset}-"} if self.offset else {}
        with network(self.remote.filename, retryable=True):
            response = send(
                self.http, "GET", self.remote.url, token=self.token, headers=headers, stream=True
            )
            try:
                if response.status_code == 416:
                    self._changed()
                check_status(response, self.remote.filename)
                if self.offset and response.status_code != 206:
                    self._restart()  # the server ignored Range: start over
                with self.control.reading(response):
                    self._write(response)
            finally:
                response.close()
        self.control.raise_if_cancelled()
        if not self.complete:
            raise Interrupted("The connection ended before the file was complete.")

    def _changed(self) -> None:
        self.part.unlink(missing_ok=True)
        raise _Changed(
            f"{self.remote.filename} changed on the server since this download began. "
            "Start the download again."
        )

    def _write(self, response: httpx.Response) -> None:
        try:
            with self.part.open("ab" if self.offset else "wb", buffering=0) as out:
                for received in response.iter_raw(CHUNK):
                    if self.control.cancelled:
                        break
                    chunk = received[: self.remote.size - self.offset]  # never past the end
                    view = memoryview(chunk)
                    while view:
                        view = view[out.write(view) or 0 :]
                    self.offset += len(chunk)
                    self.hasher.add(chunk)
                    self.meter.add(len(chunk))
                    if self.complete:
                        break
                os.fsync(out.fileno())
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DownloadError(
                    "The disk is full. What was downloaded is kept: free up space and resume."
                ) from exc
            raise DownloadError(f"Could not write the download: {exc.strerror}.") from exc

    def verify(self) -> None:
        remote = self.remote
        expected = remote.sha256 or remote.git_sha1
        if self.part.stat().st_size != remote.size or self.hasher.hexdigest() != expected:
            self.part.unlink(missing_ok=True)
            raise _Changed(
                f"{remote.filename} arrived damaged (its checksum does not match the one the "
                "server published), so it was deleted and nothing was installed. Try again."
            )


class _Hasher:
    """Checksums a file as it arrives, on a thread of its own.

    The writer hands over each chunk once it is written (``bytes`` are immutable, so
    this costs no copy) and hashlib releases the GIL, so the hash overlaps the transfer.
    A resumed ``.part`` is read back and hashed first. The queue is bounded: a slow CPU
    holds the transfer back instead of piling chunks up in memory.
    """

    BLOCK = 8 * CHUNK

    def __init__(self, remote: RemoteFile, part: Path, existing: int = 0) -> None:
        if remote.git_sha1 and not remote.sha256:
            self._hash = hashlib.sha1()  # noqa: S324 (git's blob id, not security)
            self._hash.update(f"blob {remote.size}\0".encode())
        else:
            self._hash = hashlib.sha256()
        self._part, self._existing = part, existing
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)  # None: the end
        self._abandoned = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="hushdesk-hash", daemon=True)
        self._thread.start()

    def add(self, chunk: bytes) -> None:
        """``chunk`` was just appended to the file."""
        if chunk:
            self._queue.put(chunk)

    def _work(self) -> None:
        try:
            self._read_existing()
            while (chunk := self._queue.get()) is not None:
                if not self._abandoned.is_set():
                    self._hash.update(chunk)
        except BaseException as exc:
            self._error = exc
            while self._queue.get() is not None:
                pass  # keep the writer from blocking on a full queue

    def _read_existing(self) -> None:
        left = self._existing
        if not left:
            return
        view = memoryview(bytearray(self.BLOCK))
        with self._part.open("rb", buffering=0) as handle:
            while left and not self._abandoned.is_set():
                count = handle.readinto(view[: min(self.BLOCK, left)])
                if not count:
                    raise OSError(errno.EIO, "the file is shorter than expected")
                self._hash.update(view[:count])
                left -= count

    def close(self, *, abandon: bool = False) -> None:
        if abandon:
            self._abandoned.set()
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def hexdigest(self) -> str:
        self.close()
        if self._error is not None:
            raise DownloadError(f"Could not read back the download: {self._error}.")
        return self._hash.hexdigest()
