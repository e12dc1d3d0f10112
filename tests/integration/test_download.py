"""Downloads against a local stand-in for the hub (127.0.0.1), on real files."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from pathlib import Path

import pytest

from hushdesk import paths
from hushdesk.errors import Cancelled, DownloadError, NetworkBlocked, Offline
from hushdesk.jobs import Progress
from hushdesk.models import catalog, download
from hushdesk.models import hub as hub_http
from hushdesk.models.registry import Registry
from hushdesk.services.models import Models
from hushdesk.services.runtime import ModelRuntime
from hushdesk.settings import Settings
from tests.conftest import HUB_FILE as FILE
from tests.conftest import HUB_REPO as REPO
from tests.hub import Hub, serve

MODEL = "qwen2.5-0.5b-instruct"


@pytest.fixture
def manager() -> Models:
    registry = Registry()
    settings = Settings()
    return Models(settings, registry, catalog.load(), ModelRuntime(settings, registry))


def test_full_download_is_verified_and_listed(hub: Hub, manager: Models) -> None:
    job = manager.plan(MODEL)
    assert job.files[0].sha256 == hub.files[f"{REPO}/{FILE}"].sha256
    assert job.total_bytes == hub.files[f"{REPO}/{FILE}"].path.stat().st_size
    seen: list[str] = []
    model = manager.install(job, progress=lambda p: seen.append(p.describe()))
    assert model.id == "qwen2.5-0.5b-instruct-q4_k_m"
    assert Path(model.path).read_bytes()[:4] == b"GGUF"
    assert manager.registry.get(model.id) == model
    assert not list(Path(job.target_dir).glob("*.part"))
    assert download.unfinished() == []
    assert seen
    assert "MB" in seen[-1]


def test_a_dropped_connection_resumes_with_a_range_request(hub: Hub, manager: Models) -> None:
    hub.drop_after = 30 * 2**20
    model = manager.install(manager.plan(MODEL))
    assert Path(model.path).stat().st_size == hub.files[f"{REPO}/{FILE}"].path.stat().st_size
    ranges = [r for method, _, r in hub.requests if method == "GET" and r]
    assert set(ranges) == {f"bytes={30 * 2**20}-"}  # the hub, then its CDN


def test_a_wrong_checksum_installs_nothing(hub: Hub, manager: Models) -> None:
    hub.wrong_checksum = True
    job = manager.plan(MODEL)
    with pytest.raises(DownloadError, match="damaged"):
        manager.install(job)
    assert manager.registry.get("qwen2.5-0.5b-instruct-q4_k_m") is None
    assert list(Path(job.target_dir).iterdir()) == []


def test_pause_keeps_the_partial_file_and_resume_finishes(hub: Hub, manager: Models) -> None:
    hub.delay_per_mb = 0.01
    job = manager.plan(MODEL)
    control = download.DownloadControl()

    def pause_at_half(p: Progress) -> None:
        if p.done > job.total_bytes / 2:
            control.pause()

    with pytest.raises(Cancelled):
        manager.install(job, control=control, progress=pause_at_half)
    part = job.part(job.files[0])
    assert part.stat().st_size > job.total_bytes / 2
    (pending,) = download.unfinished()
    assert pending.model_id == job.model_id
    assert pending.bytes_on_disk() == part.stat().st_size
    hub.delay_per_mb = 0
    model = manager.install(pending)
    assert Path(model.path).exists()
    assert not part.exists()


def test_cancel_removes_the_partial_file(hub: Hub, manager: Models) -> None:
    hub.delay_per_mb = 0.01
    job = manager.plan(MODEL)
    control = download.DownloadControl()
    with pytest.raises(Cancelled):
        manager.install(job, control=control, progress=lambda p: control.cancel())
    assert not job.part(job.files[0]).exists()
    assert download.unfinished() == []


def test_not_enough_disk_space_is_refused_before_starting(
    hub: Hub, manager: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = manager.plan(MODEL)
    usage = shutil.disk_usage(paths.models_dir())
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=job.total_bytes // 2))
    with pytest.raises(DownloadError, match="Not enough disk space"):
        manager.install(job)
    assert not any(r[0] == "GET" for r in hub.requests)


def test_clear_errors_for_missing_gated_and_unreachable(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DownloadError, match="not found"):
        hub_http.resolve(REPO, "nope.gguf")
    with pytest.raises(DownloadError, match="gated"):
        hub_http.resolve("gated/model", "x.gguf")
    monkeypatch.setenv("HUSHDESK_HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens
    offline = r"127\.0\.0\.1 cannot be reached\. This computer looks offline"
    with pytest.raises(Offline, match=offline):
        hub_http.resolve(REPO, FILE)


def test_only_the_download_thread_may_use_the_network(hub: Hub, manager: Models) -> None:
    import socket

    blocked: list[str] = []

    def meanwhile() -> None:
        try:
            socket.getaddrinfo("example.org", 443)
        except NetworkBlocked:
            blocked.append("yes")

    def progress(_p: Progress) -> None:
        if not blocked:
            other = threading.Thread(target=meanwhile)
            other.start()
            other.join()

    manager.install(manager.plan(MODEL), progress=progress)
    assert blocked == ["yes"]
    from hushdesk import privacy

    privacy.clear_blocked_attempts()


def test_multi_file_embedding_download_verifies_small_files(
    tmp_path: Path, manager: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.models import bundled

    source = bundled.STARTER_EMBEDDING.locate()
    assert source is not None
    entry = manager.catalog.get_embedding("bge-small-en-v1.5")
    assert entry is not None
    hub = Hub()
    for name in entry.files:
        real = source / name
        if not real.exists():
            real = tmp_path / name.replace("/", "_")
            real.write_text("{}")
        hub.add(entry.repo, name, real, lfs=name.endswith(".safetensors"))
    with serve(hub):
        monkeypatch.setenv("HUSHDESK_HF_ENDPOINT", hub.endpoint)
        job = manager.plan("bge-small-en-v1.5")
        assert sum(1 for f in job.files if f.git_sha1) == len(entry.files) - 1
        model = manager.install(job)
    assert model.kind == "embedding"
    assert (Path(model.path) / "1_Pooling" / "config.json").exists()
    assert (Path(model.path) / "model.safetensors").stat().st_size > 80_000_000


def test_a_full_disk_mid_download_keeps_what_arrived(
    hub: Hub, manager: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import pathlib

    real_open = pathlib.Path.open

    class FullDisk:
        def __init__(self, handle: object) -> None:
            self.handle, self.written = handle, 0

        def write(self, data: memoryview) -> int:
            if self.written > 10 * 2**20:
                raise OSError(errno.ENOSPC, "No space left on device")
            count = self.handle.write(data)  # type: ignore[attr-defined]
            self.written += count
            return count

        def __getattr__(self, name: str) -> object:
            return getattr(self.handle, name)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()  # type: ignore[attr-defined]

    def open_part(self: pathlib.Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        handle = real_open(self, mode, *args, **kwargs)  # type: ignore[arg-type]
        return (
            FullDisk(handle)
            if self.suffix == ".part" and "b" in mode and "r" not in mode
            else handle
        )

    monkeypatch.setattr(pathlib.Path, "open", open_part)
    job = manager.plan(MODEL)
    with pytest.raises(DownloadError, match="disk is full"):
        manager.install(job)
    assert job.part(job.files[0]).stat().st_size > 10 * 2**20  # kept for a resume
    assert download.unfinished()[0].model_id == job.model_id


def test_a_file_without_a_published_checksum_is_refused(hub: Hub) -> None:
    hub.no_checksum = True
    with pytest.raises(DownloadError, match="did not publish the size and checksum"):
        hub_http.resolve(REPO, FILE)


def test_a_file_that_changed_upstream_is_never_stitched(
    hub: Hub, manager: Models, tmp_path: Path, starter_model: Path
) -> None:
    hub.delay_per_mb = 0.01
    job = manager.plan(MODEL)
    control = download.DownloadControl()
    with pytest.raises(Cancelled):
        manager.install(
            job, control=control, progress=lambda p: control.pause() if p.done > 40e6 else None
        )
    changed = tmp_path / "new-upload.gguf"
    data = bytearray(starter_model.read_bytes())
    data[-1000:] = bytes(1000)
    changed.write_bytes(data)
    hub.add(REPO, FILE, changed)  # re-uploaded while paused
    hub.delay_per_mb = 0
    with pytest.raises(DownloadError, match="damaged"):
        manager.install(job)  # the old description no longer matches the bytes
    assert download.unfinished() == []  # forgotten: the next try asks the hub again
    model = manager.install(manager.plan(MODEL))
    assert Path(model.path).read_bytes() == bytes(data)


def test_one_process_per_job(hub: Hub, manager: Models) -> None:
    hub.delay_per_mb = 0.02
    job = manager.plan(MODEL)
    control = download.DownloadControl()
    errors: list[BaseException] = []
    started = threading.Event()

    def first() -> None:
        try:
            manager.install(job, control=control, progress=lambda _p: started.set())
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=first)
    worker.start()
    started.wait(10)
    with pytest.raises(DownloadError, match="already being downloaded"):
        download.run(job)
    control.cancel()
    worker.join(10)
    assert isinstance(errors[0], Cancelled)


def test_the_token_goes_only_to_the_official_hub_and_only_when_asked() -> None:
    import httpx

    seen: list[tuple[str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization")
        seen.append((request.url.host, auth))
        return httpx.Response(200 if auth else 401)

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        hub_http.send(http, "HEAD", "https://hf-mirror.com/x", token=lambda: "secret")
        hub_http.send(http, "HEAD", "https://huggingface.co/x", token=lambda: "secret")
    assert seen == [
        ("hf-mirror.com", None),
        ("huggingface.co", None),
        ("huggingface.co", "Bearer secret"),
    ]


def _with(model: catalog.CatalogModel) -> Models:
    """A manager whose catalog is the shipped one plus ``model``."""
    registry, settings = Registry(), Settings()
    shipped = catalog.load()
    extended = catalog.Catalog((*shipped.models, model), shipped.embeddings, shipped.speech)
    return Models(settings, registry, extended, ModelRuntime(settings, registry))


def test_a_vision_model_downloads_as_a_pair_and_sees_images(
    hub: Hub, tmp_path: Path, starter_model: Path
) -> None:
    projector = tmp_path / "mmproj-model-f16.gguf"
    shutil.copyfile(starter_model, projector)  # any GGUF: the pair is checked when it loads
    hub.add(REPO, projector.name, projector)
    seeing = catalog.load().get(MODEL)
    assert seeing is not None
    pair = dataclasses.replace(
        seeing,
        id="seeing-test",
        projector=catalog.CatalogFile("F16", REPO, projector.name, projector.stat().st_size),
    )
    manager = _with(pair)
    job = manager.plan("seeing-test")
    assert [f.filename for f in job.files] == [FILE, projector.name]
    model = manager.install(job)
    assert Path(model.details["mmproj"]).read_bytes() == projector.read_bytes()
    assert Path(model.path).name == FILE
    assert pair.traits == "sees images"


def test_a_pinned_checksum_the_hub_does_not_have_is_refused(hub: Hub) -> None:
    shipped = catalog.load().get(MODEL)
    assert shipped is not None
    pinned = dataclasses.replace(
        shipped,
        id="pinned-test",
        files=(dataclasses.replace(shipped.files[0], sha256="0" * 64),),
    )
    with pytest.raises(DownloadError, match="SHA-256 differs"):
        _with(pinned).plan("pinned-test")
    right = hub.files[f"{REPO}/{FILE}"].sha256
    same = dataclasses.replace(pinned, files=(dataclasses.replace(pinned.files[0], sha256=right),))
    assert _with(same).plan("pinned-test").files[0].sha256 == right
