"""Speech models in the model manager, on real parts: a catalog faster-whisper model
downloaded from a local stand-in for the hub (the bundled tiny.en's files, served as
whisper-base), paused and resumed, verified, listed, chosen, and then transcribing speech
made by espeak-ng; a model folder imported where it is; the catalog and the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hushdesk.errors import Cancelled, DownloadError, ModelError
from hushdesk.jobs import Progress
from hushdesk.models import bundled, catalog, download
from hushdesk.models.hardware import GB, Machine
from hushdesk.models.registry import Registry
from hushdesk.services.models import Models
from hushdesk.services.recordings import Recordings
from hushdesk.services.runtime import ModelRuntime
from hushdesk.settings import Settings
from tests.conftest import SPEECH_REPO_MODEL as BASE
from tests.hub import Hub
from tests.integration.test_matters_cli import run
from tests.speech import SCRIPT, speak, word_error_rate

pytestmark = pytest.mark.slow


@pytest.fixture
def manager() -> Models:
    registry = Registry()
    settings = Settings()
    return Models(settings, registry, catalog.load(), ModelRuntime(settings, registry))


def test_the_catalog_lists_speech_models_with_languages_and_speed_here(manager: Models) -> None:
    rows = manager.speech_catalog(Machine(16 * GB, 8 * GB, 4))
    by_id = {entry.id: (entry, rtf) for entry, rtf, _ in rows}
    assert list(by_id) == ["whisper-tiny.en", "whisper-base", "whisper-small",
                           "whisper-large-v3-turbo"]  # fmt: skip
    assert by_id["whisper-tiny.en"][0].bundled
    assert by_id["whisper-tiny.en"][0].languages == "English"
    assert all(by_id[m][0].multilingual for m in list(by_id)[1:])
    speeds = [rtf for _, rtf in by_id.values()]
    assert speeds == sorted(speeds)  # bigger is slower
    slower = {e.id: r for e, r, _ in manager.speech_catalog(Machine(8 * GB, 4 * GB, 2))}
    assert slower[BASE] > by_id[BASE][1]  # fewer cores, slower
    with pytest.raises(DownloadError, match="comes with Hushdesk"):
        manager.plan("whisper-tiny.en")


def test_a_speech_model_pauses_resumes_verifies_and_then_transcribes(
    speech_hub: Hub, manager: Models, tmp_path: Path
) -> None:
    speech_hub.delay_per_mb = 0.01
    job = manager.plan(BASE)
    assert job.kind == "speech"
    assert [f.filename for f in job.files] == ["config.json", "model.bin", "tokenizer.json",
                                               "vocabulary.txt"]  # fmt: skip
    assert [bool(f.sha256) for f in job.files] == [False, True, False, False]  # LFS: sha256
    control = download.DownloadControl()

    def pause_at_half(p: Progress) -> None:
        if p.done > job.total_bytes / 2:
            control.pause()

    with pytest.raises(Cancelled):
        manager.install(job, control=control, progress=pause_at_half)
    (pending,) = download.unfinished()
    assert 0 < pending.bytes_on_disk() < job.total_bytes
    speech_hub.delay_per_mb = 0
    model = manager.install(pending)
    ranges = [r for method, _, r in speech_hub.requests if method == "GET" and r]
    assert any(r != "bytes=0-" for r in ranges), ranges  # resumed, not started again
    assert model.kind == "speech"
    assert model.details["multilingual"] is False  # what the folder says: tiny.en's files
    assert manager.registry.get(BASE) == model

    recordings = Recordings(manager.settings, manager.registry)
    assert "Whisper base" in [m.name for m in recordings.speech_models()]
    recordings.use_installed(model)
    assert recordings.hears_with(model)
    assert recordings.speech_model().name == "Whisper base"
    wav = tmp_path / "said.wav"
    speak(SCRIPT[:2], wav)
    heard = recordings.transcribe(wav)
    assert heard.model == "Whisper base"
    assert word_error_rate(" ".join(SCRIPT[:2]), heard.text) <= 0.25, heard.text

    manager.remove(BASE)  # downloaded: its folder goes, and the starter hears again
    assert not Path(model.path).exists()
    assert manager.settings.speech.model == ""
    assert recordings.speech_model().name == "whisper-tiny.en"


def test_a_damaged_speech_download_installs_nothing(speech_hub: Hub, manager: Models) -> None:
    speech_hub.wrong_checksum = True
    with pytest.raises(DownloadError, match="damaged"):
        manager.install(manager.plan(BASE))
    assert manager.registry.get(BASE) is None


def test_a_model_folder_is_imported_where_it_is_and_a_wrong_one_refused(
    manager: Models, tmp_path: Path
) -> None:
    source = bundled.STARTER_SPEECH.locate()
    assert source is not None
    mine = tmp_path / "faster-whisper-mine"
    shutil.copytree(source, mine)
    model = manager.import_speech(mine)
    assert (model.kind, model.source, Path(model.path)) == ("speech", "import", mine)
    assert manager.import_speech(mine) == model  # listed once
    empty = tmp_path / "holiday photos"
    empty.mkdir()
    with pytest.raises(ModelError, match="not a speech model"):
        manager.import_speech(empty)
    manager.remove(model.id)
    assert mine.is_dir()  # the user's folder stays


def test_the_command_line_searches_imports_and_chooses_a_speech_model(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = json.loads(run(hushdesk_cmd, cli_env, "models", "search", "--speech", "--json"))
    assert [r["id"] for r in rows][:2] == ["whisper-tiny.en", BASE]
    assert rows[0]["installed"]
    assert rows[0]["realtime_factor_here"] > 0
    source = bundled.STARTER_SPEECH.locate()
    assert source is not None
    mine = tmp_path / "faster-whisper-mine"
    shutil.copytree(source, mine)
    assert "faster-whisper-mine" in run(hushdesk_cmd, cli_env, "models", "import", str(mine))
    listed = json.loads(run(hushdesk_cmd, cli_env, "models", "list", "--json"))["installed"]
    (speech,) = [m for m in listed if m["kind"] == "speech" and m["source"] == "import"]
    assert "faster-whisper-mine" in run(hushdesk_cmd, cli_env, "models", "default", speech["id"])
    wav = tmp_path / "said.wav"
    speak(SCRIPT[:1], wav)
    said = json.loads(run(hushdesk_cmd, cli_env, "transcribe", "--json", str(wav)))
    assert said["model"] == "faster-whisper-mine"
