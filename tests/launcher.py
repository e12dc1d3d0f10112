"""A process started before the test run gave up its core-dump limit (``privacy.apply``
sets it to 0 for good), so a test can start a program as a user's shell would, under
``ulimit -c unlimited`` where the system allows it.

Protocol: one JSON line in (``argv``, ``env``, ``cwd``, ``timeout``), one JSON line out
(``returncode``, ``stdout``, ``stderr``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

_lock = threading.Lock()
_process: subprocess.Popen[str] | None = None


def start() -> None:
    """Call before ``privacy.apply()``: the launcher keeps the limits the run began with."""
    global _process  # noqa: PLW0603 (one launcher per test run)
    _process = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def run(argv: list[str], *, env: dict[str, str], cwd: str, timeout: float) -> dict[str, Any]:
    if _process is None or _process.stdin is None or _process.stdout is None:
        raise RuntimeError("launcher.start() first")
    with _lock:
        request = {"argv": argv, "env": env, "cwd": cwd, "timeout": timeout}
        _process.stdin.write(json.dumps(request) + "\n")
        _process.stdin.flush()
        return json.loads(_process.stdout.readline())  # type: ignore[no-any-return]


SERVE = """
import json, subprocess, sys
for line in sys.stdin:
    r = json.loads(line)
    try:
        p = subprocess.run(r["argv"], env=r["env"], cwd=r["cwd"], timeout=r["timeout"],
                           capture_output=True, text=True)
        out = {"returncode": p.returncode, "stdout": p.stdout, "stderr": p.stderr}
    except subprocess.TimeoutExpired as e:
        out = {"returncode": -9, "stdout": str(e.stdout or ""), "stderr": "timed out"}
    print(json.dumps(out), flush=True)
"""
