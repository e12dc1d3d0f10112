"""The ``hushdesk`` command as a user runs it: a real process, the real starter model."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(
    cmd: list[str], env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, *args],
        check=False,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_ask_streams_an_answer(hushdesk_cmd: list[str], cli_env: dict[str, str]) -> None:
    out = run(hushdesk_cmd, cli_env, "ask", "Draft a two-line thank-you note", "--seed", "3")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.strip()) > 10
    assert out.stderr == ""


def test_ask_json(hushdesk_cmd: list[str], cli_env: dict[str, str]) -> None:
    out = run(hushdesk_cmd, cli_env, "ask", "--json", "--max-tokens", "16", "Say hello")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["answer"].strip()
    assert data["model"].startswith("SmolLM2")
    assert 0 < data["tokens"]["completion"] <= 16
    assert data["tokens"]["prompt"] == data["tokens"]["prompt_evaluated"]
    assert data["timings"]["tokens_per_s"] > 0


def test_ask_reads_stdin_and_uses_a_model_path(
    hushdesk_cmd: list[str], cli_env: dict[str, str], starter_model: Path
) -> None:
    out = run(
        hushdesk_cmd,
        cli_env,
        "ask",
        "--model",
        str(starter_model),
        "--max-tokens",
        "8",
        stdin="What is two plus two?",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


@pytest.mark.parametrize("content", [b"", b"hello\n", b"GGUF\x03\x00\x00\x00junk"])
def test_ask_with_a_bad_model_file_prints_one_line(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(content)
    out = run(hushdesk_cmd, cli_env, "ask", "--model", str(bad), "hi")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("hushdesk: bad.gguf")
    assert "Traceback" not in out.stderr


def test_models_list_and_doctor(hushdesk_cmd: list[str], cli_env: dict[str, str]) -> None:
    listed = json.loads(run(hushdesk_cmd, cli_env, "models", "list", "--json").stdout)["installed"]
    starters = {"smollm2-135m-instruct", "all-minilm-l6-v2", "whisper-tiny.en"}
    assert {m["id"] for m in listed} == starters
    assert [m["id"] for m in listed if m["default"]] == ["smollm2-135m-instruct"]
    doctor = run(hushdesk_cmd, cli_env, "doctor", "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    assert report["ok"]
    assert all(c["ok"] for c in report["checks"])
    assert Path(report["paths"]["data"]).is_relative_to(cli_env["HUSHDESK_HOME"])
    assert doctor.stderr == ""


def test_doctor_fails_when_data_cannot_be_written(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    cli_env["HUSHDESK_HOME"] = str(blocker)
    out = run(hushdesk_cmd, cli_env, "doctor", "--no-generate")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr


def test_chat_repl(hushdesk_cmd: list[str], cli_env: dict[str, str]) -> None:
    out = run(
        hushdesk_cmd,
        cli_env,
        "chat",
        "--max-tokens",
        "12",
        stdin="Hello!\n/help\n/new\nWhat is your name?\n/exit\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("you ›") >= 4
    assert "(new conversation)" in out.stdout
    assert "/exit quits" in out.stdout


def test_ctrl_c_stops_the_answer_and_keeps_it(
    hushdesk_cmd: list[str], cli_env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        [
            *hushdesk_cmd,
            "ask",
            "--max-tokens",
            "2000",
            "--seed",
            "5",
            "Write a very long story about a lighthouse keeper and the sea.",
        ],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    first = process.stdout.read1(64)  # type: ignore[attr-defined]
    assert first
    # The whole process group, as a terminal does: the engine child must ignore it.
    os.killpg(process.pid, signal.SIGINT)
    sent = time.monotonic()
    _rest, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert time.monotonic() - sent < 5
    assert b"Traceback" not in err


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_no_outbound_connection_even_from_native_code(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    """strace sees every connect() of the app and its children, Python or native."""

    def addresses(*cmd: str) -> list[str]:
        trace = tmp_path / "trace"
        strace = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
        out = run([*strace, *cmd], cli_env)
        assert out.returncode == 0, out.stderr
        pattern = r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"'
        return re.findall(pattern, trace.read_text())

    probe = "import socket; s = socket.socket(); s.connect_ex(('127.0.0.1', 9))"
    assert addresses(hushdesk_cmd[0], "-c", probe) == ["127.0.0.1"]  # the trace works
    seen = addresses(*hushdesk_cmd, "ask", "--max-tokens", "8", "Hello")
    assert [a for a in seen if not ipaddress.ip_address(a).is_loopback] == []
