"""Real servers on 127.0.0.1 for the tests: a process started on a free port, waited
for until it answers, and stopped (its pipes closed) afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from hushdesk import privacy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    command: Sequence[str],
    url: str,
    *,
    env: dict[str, str] | None = None,
    timeout_s: float = 120.0,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """``command`` running until the block ends, once ``url`` answers (any status). Its
    output goes to a file (a chatty server would fill a pipe and stall): ``log``, to be
    read afterwards, or a temporary one."""
    address = httpx.URL(url)
    with log.open("w+") if log is not None else tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(list(command), env=env, stdout=output, stderr=output, text=True)
        try:
            deadline = time.monotonic() + timeout_s
            while not _answers(address):
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise AssertionError(f"{url} did not answer: {output.read()[-2000:]}")
                time.sleep(0.2)
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=30)


def _answers(url: httpx.URL) -> bool:
    try:
        with privacy.reach(url.host, url.port or 80):
            httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


def llama_server(model: str, port: int, *, api_key: str, alias: str = "smollm") -> list[str]:
    """llama-cpp-python's own OpenAI-compatible server (its ``[server]`` extra)."""
    return [sys.executable, "-m", "llama_cpp.server", "--model", model, "--model_alias", alias,
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
            "--api_key", api_key]  # fmt: skip
