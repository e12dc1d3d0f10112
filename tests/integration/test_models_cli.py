"""``hushdesk models …`` as a user runs it, against a local stand-in for the hub."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub import Hub, serve

pytestmark = pytest.mark.slow

REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf"


@pytest.fixture
def hub(starter_model: Path, cli_env: dict[str, str]) -> Iterator[Hub]:
    hub = Hub()
    hub.add(REPO, FILE, starter_model)
    with serve(hub):
        cli_env["HUSHDESK_HF_ENDPOINT"] = hub.endpoint
        yield hub


def run(cmd: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_search_shows_fit_badges_and_a_recommendation(
    hushdesk_cmd: list[str], cli_env: dict[str, str]
) -> None:
    out = run(hushdesk_cmd, cli_env, "models", "search", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {r["fit"] for r in rows} <= {"fits", "tight", "wont_fit"}
    assert sum(r["recommended"] for r in rows) == 1
    assert all("needs about" in r["fit_reason"] for r in rows)


def test_kill_mid_download_then_resume_in_a_new_process_and_chat(
    hub: Hub, hushdesk_cmd: list[str], cli_env: dict[str, str], starter_model: Path
) -> None:
    hub.delay_per_mb = 0.05  # ~5 s for the whole file: time to kill it halfway
    process = subprocess.Popen(
        [*hushdesk_cmd, "models", "pull", "qwen2.5-0.5b-instruct"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    part = (
        Path(cli_env["HUSHDESK_HOME"])
        / "data"
        / "models"
        / "qwen-qwen2.5-0.5b-instruct-gguf"
        / f"{FILE}.part"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not part.exists() or part.stat().st_size < 20e6):
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    kept = part.stat().st_size
    assert 20e6 <= kept < starter_model.stat().st_size

    listed = json.loads(run(hushdesk_cmd, cli_env, "models", "list", "--json").stdout)
    (pending,) = listed["unfinished_downloads"]
    assert pending["bytes_done"] == kept

    hub.delay_per_mb = 0
    hub.requests.clear()
    out = run(hushdesk_cmd, cli_env, "models", "pull", "qwen2.5-0.5b-instruct", "--default")
    assert out.returncode == 0, out.stderr
    assert "Resuming" in out.stderr
    assert any(r == f"bytes={kept}-" for _, _, r in hub.requests)
    assert "Installed" in out.stdout

    listed = json.loads(run(hushdesk_cmd, cli_env, "models", "list", "--json").stdout)
    assert listed["unfinished_downloads"] == []
    default = [m for m in listed["installed"] if m["default"]]
    assert [m["id"] for m in default] == ["qwen2.5-0.5b-instruct-q4_k_m"]

    answer = run(hushdesk_cmd, cli_env, "ask", "--json", "--max-tokens", "8", "Hello")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["model"] == "Qwen2.5 0.5B Instruct (Q4_K_M)"

    info = json.loads(
        run(
            hushdesk_cmd, cli_env, "models", "info", "qwen2.5-0.5b-instruct-q4_k_m", "--json"
        ).stdout
    )
    assert info["gguf"]["architecture"] == "llama"
    assert info["details"]["sha256"] == hub.files[f"{REPO}/{FILE}"].sha256

    removed = run(hushdesk_cmd, cli_env, "models", "rm", "qwen2.5-0.5b-instruct-q4_k_m", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert not part.with_suffix("").exists()


def test_pull_errors_are_one_clear_line(
    hub: Hub, hushdesk_cmd: list[str], cli_env: dict[str, str]
) -> None:
    hub.wrong_checksum = True
    out = run(hushdesk_cmd, cli_env, "models", "pull", "qwen2.5-0.5b-instruct")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("hushdesk: ")
    assert "damaged" in out.stderr
    assert "Traceback" not in out.stderr
    missing = run(hushdesk_cmd, cli_env, "models", "pull", "llama-3.2-1b-instruct")
    assert "not found" in missing.stderr


def test_import_a_file(
    hushdesk_cmd: list[str], cli_env: dict[str, str], starter_model: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.gguf"
    shutil.copyfile(starter_model, mine)
    out = run(hushdesk_cmd, cli_env, "models", "import", str(mine), "--name", "Mine")
    assert out.returncode == 0, out.stderr
    assert "Imported Mine as mine" in out.stdout
    bad = tmp_path / "bad.gguf"
    bad.write_text("nope")
    out = run(hushdesk_cmd, cli_env, "models", "import", str(bad))
    assert out.returncode == 1
    assert "bad.gguf is not a GGUF model file" in out.stderr
