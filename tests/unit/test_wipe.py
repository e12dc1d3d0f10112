"""The wipe on every OS's folder layout (Windows nests the cache and the logs inside the
data folder; macOS shares data and config), and never while another Hushdesk process
has the data open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hushdesk import paths
from hushdesk.app import App
from hushdesk.datalock import DataInUse
from hushdesk.models import bundled, download
from hushdesk.models.download import DownloadJob
from hushdesk.models.hub import RemoteFile
from hushdesk.models.registry import InstalledModel, Registry
from hushdesk.services.wipe import wipe
from hushdesk.vault import Vault
from tests.fakes import FakeEngine
from tests.hostile import tiny_chat_model
from tests.keys import fill_every_store


def _layout(root: Path, name: str) -> dict[str, Path]:
    base = root / "Hushdesk"
    if name == "windows":  # platformdirs: Local\Hushdesk, …\Cache, …\Logs
        return {"data": base, "config": base, "cache": base / "Cache", "logs": base / "Logs"}
    if name == "data-in-config":
        return {"data": base / "data", "config": base, "cache": root / "c", "logs": base / "l"}
    return {"data": base, "config": base, "cache": root / "Caches", "logs": root / "Logs"}


@pytest.mark.parametrize("layout", ["windows", "macos", "data-in-config"])
def test_wipe_handles_nested_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    folders = _layout(tmp_path / "AppData", layout)
    monkeypatch.setattr(paths, "_base", lambda kind: folders[kind])
    app = App()
    fill_every_store(app, "Wobblesworth")
    app.close()
    (paths.models_dir() / "kept.gguf").write_bytes(b"GGUF")
    (paths.cache_dir() / "embedding" / "model.bin").parent.mkdir(parents=True, exist_ok=True)
    (paths.cache_dir() / "embedding" / "model.bin").write_bytes(b"public weights")
    (paths.log_dir() / "hushdesk.log").write_text("a log line")

    report = wipe(Vault())
    assert not report.failed
    left = sorted(
        str(p.relative_to(paths.data_dir()))
        for p in (tmp_path / "AppData").rglob("*")
        if p.is_file()
    )
    assert left == ["models/kept.gguf"] or left == ["models.json", "models/kept.gguf"]
    assert not Vault().exists()


def test_wipe_refuses_while_another_hushdesk_has_the_data(
    hushdesk_home: Path, cli_env: dict[str, str]
) -> None:
    app = App()
    fill_every_store(app, "M")
    app.close()
    running = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from hushdesk.app import App; app = App(); "
            "print('open', flush=True); sys.stdin.read(); app.close()",
        ],
        env=cli_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stdout is not None
        assert running.stdout.readline().strip() == "open"
        with pytest.raises(DataInUse, match=rf"still open .*process {running.pid}\)"):
            wipe(Vault())
        assert Vault().exists()
        assert (paths.data_dir() / "conversations.sqlite").exists()
    finally:
        running.communicate("")
    assert running.returncode == 0
    assert not wipe(Vault()).failed
    assert not Vault().exists()


def test_a_process_that_died_does_not_block_the_wipe(
    hushdesk_home: Path, cli_env: dict[str, str]
) -> None:
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from hushdesk import datalock; datalock.hold(); os._exit(9)",
        ],
        env=cli_env,
        check=False,
    )
    assert killed.returncode == 9
    assert list(paths.in_use_dir().glob("*.lock")) != []  # its file is left behind
    assert not wipe(Vault()).failed


def test_no_file_names_a_model_of_the_users_after_the_wipe(
    tmp_path: Path, hushdesk_home: Path
) -> None:
    """An import is the user's (its path, its file's name, the name they gave it); the
    starters and the catalog's downloads are anyone's, and stay under their own names."""
    mine = tiny_chat_model(tmp_path / "Wobblesworth contract bot.gguf", "Wobblesworth Lc100K")
    app = App(engine=FakeEngine())
    fill_every_store(app, "Wobblesworth")
    referenced = app.models.import_file(mine)
    copied = app.models.import_file(mine, copy=True, name="Wobblesworth copy")
    app.models.rename(referenced.id, "Wobblesworth's assistant")
    app.models.rename("smollm2-135m-instruct", "Wobblesworth bot")
    downloaded = paths.models_dir() / "qwen" / "qwen2.5-0.5b-instruct-q4_k_m.gguf"
    downloaded.parent.mkdir()
    downloaded.write_bytes(b"GGUF public weights")
    app.registry.add(
        InstalledModel(
            "qwen2.5-0.5b-instruct-q4_k_m",
            "Qwen2.5 0.5B Instruct (Q4_K_M)",
            "llm",
            str(downloaded),
            "download",
            details={"catalog_id": "qwen2.5-0.5b-instruct", "quantization": "Q4_K_M"},
        )
    )
    app.models.rename("qwen2.5-0.5b-instruct-q4_k_m", "Wobblesworth's qwen")
    mirror = "https://hub.wobblesworth.example/bartowski/gemma/resolve/main/gemma.gguf"
    paused = DownloadJob(
        "gemma-2-2b-it-q4_k_m",
        "Gemma 2 2B (Q4_K_M)",
        "llm",
        "bartowski/gemma",
        "main",
        str(paths.models_dir() / "gemma"),
        [RemoteFile("gemma.gguf", mirror, 100)],
    )
    download.save_job(paused)  # paused, on a mirror the user set (HF_ENDPOINT)
    Path(paused.target_dir).mkdir()
    paused.part(paused.files[0]).write_bytes(b"GGUF part")
    app.models.set_default(copied.id)
    app.close()
    assert "wobblesworth" in paths.registry_file().read_text().lower()

    report = wipe(Vault())
    assert not report.failed
    left = [p for p in hushdesk_home.rglob("*") if p.is_file()]
    assert [p for p in left if b"wobblesworth" in p.read_bytes().lower()] == []
    assert [p for p in left if "wobblesworth" in str(p).lower()] == []
    assert not Path(copied.path).exists()
    assert mine.exists()  # the user's own file, outside Hushdesk's folders
    assert downloaded.exists()
    assert download.unfinished() == []
    assert not paused.part(paused.files[0]).exists()
    listed = {m.id: m for m in Registry().list()}
    assert set(listed) == {
        "smollm2-135m-instruct",
        "all-minilm-l6-v2",
        "whisper-tiny.en",
        "qwen2.5-0.5b-instruct-q4_k_m",
    }
    assert listed["smollm2-135m-instruct"].name == bundled.STARTER_CHAT.name
    assert listed["qwen2.5-0.5b-instruct-q4_k_m"].name == "Qwen2.5 0.5B Instruct (Q4_K_M)"
    assert not any(m.renamed for m in listed.values())
