"""Resumable, verified model downloads from the Hugging Face hub (or a mirror).

A file is fetched to ``<target>.part`` with HTTP Range requests, so a pause, a dropped
connection, a closed or killed app all resume where they stopped. Nothing becomes
usable until its size and the hub's checksum match (sha256 for large files, the git
blob hash for small ones); then it is renamed into place in one step. The job's
description lives next to it in ``.downloads/``, so an unfinished download is found
again after a restart. Only the thread running the download may use the network
(``privacy.allow_network``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from hushdesk import paths, privacy
from hushdesk.errors import Cancelled, DownloadError
from hushdesk.fsutil import atomic_write_json, read_json
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, format_eta

log = logging.getLogger("hushdesk.download")

DEFAULT_ENDPOINT = "https://huggingface.co"
CHUNK = 1024 * 1024
RETRIES = 3
SPACE_MARGIN = 256 * 1024**2  # keep this much free beyond the download


class DownloadControl(CancelToken):
    """Cancel deletes the partial file; pause keeps it for later."""

    def __init__(self) -> None:
        super().__init__()
        self.paused = False

    def pause(self) -> None:
        self.paused = True
        self.cancel()


@dataclass
class RemoteFile:
    filename: str
    url: str
    size: int
    sha256: str | None = None  # large (LFS) files
    git_sha1: str | None = None  # small files: the git blob id
    commit: str | None = None


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


def state_dir() -> Path:
    folder = paths.models_dir() / ".downloads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _state_file(model_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)
    return state_dir() / f"{safe}.json"


def save_job(job: DownloadJob) -> None:
    atomic_write_json(_state_file(job.model_id), asdict(job))


def forget_job(job: DownloadJob) -> None:
    _state_file(job.model_id).unlink(missing_ok=True)


def unfinished() -> list[DownloadJob]:
    """Downloads that were paused, cancelled by a crash or cut off, oldest first."""
    jobs = []
    for path in sorted(state_dir().glob("*.json"), key=lambda p: p.stat().st_mtime):
        raw = read_json(path)
        if not isinstance(raw, dict):
            continue
        try:
            files = [RemoteFile(**f) for f in raw.pop("files")]
            jobs.append(DownloadJob(**raw, files=files))
        except (AttributeError, TypeError, KeyError):
            log.warning("ignoring an unreadable download record %s", path.name)
    return jobs


def endpoint() -> str:
    return (os.environ.get("HUSHDESK_HF_ENDPOINT") or os.environ.get("HF_ENDPOINT") or
            DEFAULT_ENDPOINT).rstrip("/")  # fmt: skip


# -- the network --------------------------------------------------------------------------


def _client(token: str | None) -> httpx.Client:
    proxies = privacy.proxies()
    proxy = proxies.get("HTTPS_PROXY") or proxies.get("https_proxy") or proxies.get("ALL_PROXY")
    headers = {"User-Agent": "Hushdesk", "Accept-Encoding": "identity"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(
        headers=headers,
        timeout=httpx.Timeout(30.0, connect=15.0),
        proxy=proxy,
        trust_env=False,
        follow_redirects=False,
    )


@contextlib.contextmanager
def _network(what: str) -> Iterator[None]:
    """The guard lets this thread through; network failures become clear messages."""
    try:
        with privacy.allow_network():
            yield
    except httpx.ConnectError as exc:
        raise DownloadError(
            f"Could not connect to download {what}: check your internet connection "
            "(or the mirror address in settings).",
            detail=repr(exc),
        ) from exc
    except httpx.TimeoutException as exc:
        raise DownloadError(
            f"The server stopped answering while downloading {what}.", detail=repr(exc)
        ) from exc


def _check_status(response: httpx.Response, what: str) -> None:
    code = response.status_code
    if code < 400:
        return
    if code == 404:
        raise DownloadError(f"{what} was not found on the server (404). The catalog may be out "
                            "of date, or the mirror does not have it.")  # fmt: skip
    if code in (401, 403):
        raise DownloadError(
            f"{what} is gated: accept its licence on the model's page at huggingface.co and "
            "set an access token (HF_TOKEN), then try again."
        )
    if code == 429:
        raise DownloadError(f"The server is rate-limiting downloads of {what}; try again later.")
    raise DownloadError(f"The server refused {what} (HTTP {code}).")


def resolve(
    repo: str,
    filename: str,
    *,
    revision: str = "main",
    token: str | None = None,
    client: httpx.Client | None = None,
) -> RemoteFile:
    """Size and checksum of one file, as the hub states them, without downloading it."""
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(repo, filename, revision=revision, endpoint=endpoint())
    what = f"{repo}/{filename}"
    owned = client is None
    http = client or _client(token)
    try:
        with _network(what):
            response = http.head(url)
            for _ in range(5):  # the hub renames repos with relative redirects
                location = response.headers.get("location", "")
                if response.status_code not in (301, 302, 307, 308) or not location:
                    break
                if location.startswith("http") and not location.startswith(endpoint()):
                    break  # a CDN redirect: the hub's own headers are already here
                response = http.head(urljoin(str(response.url), location))
            _check_status(response, what)
    finally:
        if owned:
            http.close()
    headers = response.headers
    size = headers.get("x-linked-size") or headers.get("content-length")
    if not size or not size.isdigit():
        raise DownloadError(f"The server did not say how large {what} is.")
    linked = (headers.get("x-linked-etag") or "").strip('"').removeprefix("W/").strip('"')
    etag = (headers.get("etag") or "").removeprefix("W/").strip('"')
    return RemoteFile(
        filename=filename,
        url=url,
        size=int(size),
        sha256=linked if len(linked) == 64 else None,
        git_sha1=etag if not linked and len(etag) == 40 else None,
        commit=headers.get("x-repo-commit"),
    )


# -- the transfer -------------------------------------------------------------------------


class _Meter:
    """Bytes done, speed over the last few seconds, time left."""

    def __init__(self, job: DownloadJob, report: ProgressCallback | None) -> None:
        self.total = job.total_bytes
        self.done = 0
        self.label = job.name
        self._report = report
        self._samples: deque[tuple[float, int]] = deque(maxlen=50)
        self._last = 0.0

    def add(self, count: int, *, force: bool = False) -> None:
        self.done += count
        now = time.monotonic()
        self._samples.append((now, self.done))
        if self._report is not None and (force or now - self._last >= 0.2):
            self._last = now
            self._report(Progress(self.done, self.total, self.describe(), self.eta()))

    def speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else 0.0

    def eta(self) -> float | None:
        speed = self.speed()
        return (self.total - self.done) / speed if speed > 0 else None

    def describe(self) -> str:
        speed = self.speed()
        text = f"{self.label}: {self.done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB"
        if speed:
            text += f" · {speed / 1e6:.1f} MB/s"
        eta = self.eta()
        if eta is not None:
            text += f" · {format_eta(eta)} left"
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
    token: str | None = None,
    control: DownloadControl | None = None,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Download every file of ``job`` (resuming), verify, and move into place.

    Pausing raises ``Cancelled`` and keeps the partial files; cancelling raises it
    after deleting them. Any other failure keeps what was downloaded for a resume.
    """
    control = control or DownloadControl()
    check_space(job)
    save_job(job)
    meter = _Meter(job, progress)
    done: list[Path] = []
    try:
        with _client(token) as http:
            for remote in job.files:
                done.append(_fetch(job, remote, http, control, meter))
    except Cancelled:
        if not control.paused:
            discard(job)
        raise
    forget_job(job)
    meter.add(0, force=True)
    return done


def discard(job: DownloadJob) -> None:
    """Cancel: remove partial files and the record (finished files of the job too)."""
    for remote in job.files:
        job.part(remote).unlink(missing_ok=True)
    forget_job(job)


class _Interrupted(DownloadError):
    """The connection ended early; worth another try from where it stopped."""


def _fetch(
    job: DownloadJob, remote: RemoteFile, http: httpx.Client, control: CancelToken, meter: _Meter
) -> Path:
    target = job.target(remote)
    if target.exists() and target.stat().st_size == remote.size:
        meter.add(remote.size)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    transfer = _Transfer(remote, job.part(remote), http, control, meter)
    try:
        _complete(transfer, control)
    except BaseException:
        transfer.hasher.close(abandon=True)
        raise
    transfer.verify()
    transfer.part.replace(target)
    return target


def _complete(transfer: _Transfer, control: CancelToken) -> None:
    """Repeat requests until the file is whole, resuming after dropped connections."""
    remote = transfer.remote
    attempts = 0
    while not transfer.complete:
        control.raise_if_cancelled()
        try:
            transfer.step()
        except (httpx.TransportError, _Interrupted) as exc:
            attempts += 1
            if attempts > RETRIES:
                raise DownloadError(
                    f"The connection kept dropping while downloading {remote.filename}. "
                    "What was downloaded is kept: resume when the connection is better.",
                    detail=repr(exc),
                ) from exc
            log.info("download interrupted (%s); resuming at %d", exc, transfer.offset)
            time.sleep(min(0.5 * 2 ** (attempts - 1), 10))


class _Transfer:
    """One file into its ``.part``: resumes from what is on disk, hashes as it writes."""

    def __init__(
        self,
        remote: RemoteFile,
        part: Path,
        http: httpx.Client,
        control: CancelToken,
        meter: _Meter,
    ) -> None:
        self.remote, self.part, self.http = remote, part, http
        self.control, self.meter = control, meter
        self.hasher = _Hasher(remote, part)
        self.offset = 0
        if part.exists():
            if part.stat().st_size > remote.size:
                part.unlink()
            else:
                self.offset = part.stat().st_size
                self.hasher.wrote(self.offset)
                meter.add(self.offset)

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
        with (
            _network(self.remote.filename),
            self.http.stream(
                "GET", self.remote.url, headers=headers, follow_redirects=True
            ) as response,
        ):
            if response.status_code == 416 and self.complete:
                return
            _check_status(response, self.remote.filename)
            if self.offset and response.status_code != 206:
                self._restart()  # the server ignored Range: start over
            self._write(response)
        self.control.raise_if_cancelled()
        if not self.complete:
            raise _Interrupted("The connection ended before the file was complete.")

    def _write(self, response: httpx.Response) -> None:
        try:
            with self.part.open("ab" if self.offset else "wb", buffering=0) as out:
                for chunk in response.iter_raw(CHUNK):
                    if self.control.cancelled:
                        break
                    view = memoryview(chunk)
                    while view:
                        view = view[out.write(view) or 0 :]
                    self.offset += len(chunk)
                    self.hasher.wrote(self.offset)
                    self.meter.add(len(chunk))
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
        size = self.part.stat().st_size
        if size != remote.size or (expected and self.hasher.hexdigest() != expected):
            self.part.unlink(missing_ok=True)
            raise DownloadError(
                f"{remote.filename} arrived damaged (its checksum does not match the one the "
                "server published), so it was deleted and nothing was installed. Try again."
            )


class _Hasher:
    """Checksums the ``.part`` file as it grows, on a thread of its own.

    It reads back what was just written (from the page cache) in large blocks, so the
    hash overlaps the transfer with few hand-overs between threads: hashlib and file
    reads release the GIL, and big blocks keep the two threads from queueing for it.
    A resumed file is hashed the same way, from its start.
    """

    BLOCK = 8 * CHUNK

    def __init__(self, remote: RemoteFile, part: Path) -> None:
        if remote.git_sha1 and not remote.sha256:
            self._hash = hashlib.sha1()  # noqa: S324 (git's blob id, not security)
            self._hash.update(f"blob {remote.size}\0".encode())
        else:
            self._hash = hashlib.sha256()
        self._part = part
        self._written = 0
        self._finished = False
        self._abandoned = False
        self._error: BaseException | None = None
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def wrote(self, total: int) -> None:
        """The file now holds ``total`` bytes."""
        with self._ready:
            self._written = total
            self._ready.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="hushdesk-hash", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        done = 0
        buffer = bytearray(self.BLOCK)
        view = memoryview(buffer)
        try:
            with self._part.open("rb", buffering=0) as handle:
                while True:
                    with self._ready:
                        while done >= self._written and not self._finished:
                            self._ready.wait(0.5)
                        if self._abandoned or (done >= self._written and self._finished):
                            return
                        want = min(self.BLOCK, self._written - done)
                    count = handle.readinto(view[:want])
                    if not count:
                        return
                    self._hash.update(view[:count])
                    done += count
        except BaseException as exc:
            self._error = exc

    def close(self, *, abandon: bool = False) -> None:
        with self._ready:
            self._finished = True
            self._abandoned = self._abandoned or abandon
            self._ready.notify()
        if self._thread is not None:
            self._thread.join()

    def hexdigest(self) -> str:
        self.close()
        if self._error is not None:
            raise DownloadError(f"Could not read back the download: {self._error}.")
        return self._hash.hexdigest()
