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
from hushdesk.services.wipe import wipe
from hushdesk.vault import Vault
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
