"""Launch → first painted window, and the GUI process's memory before a model loads.

    .venv/bin/python bench/startup.py

Runs the real app (``python -m hushdesk``) several times against one data folder, on
the display in DISPLAY if there is one, else Qt's offscreen platform. The app reports
the moment its main window first paints and its resident memory after a second of
idling (HUSHDESK_STARTUP_PROBE); the median of the everyday launches counts. The first
launch is reported apart: its welcome makes the embedding model ready meanwhile (the
longest wait of a first launch, taken while the welcome is read), so it is not idle.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
from tests.keys import use_passphrase_file

RUNS = 5
PASSPHRASE = use_passphrase_file()  # the data folder is created (and opened) encrypted


def launch(home: str) -> tuple[float, float]:
    env = dict(os.environ, HUSHDESK_HOME=home, HUSHDESK_STARTUP_PROBE="1.0")
    env["HUSHDESK_PASSPHRASE_FILE"] = PASSPHRASE
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "hushdesk"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"the app did not report (exit {out.returncode}):\n{out.stderr}")
    report = json.loads(lines[-1])
    return report["painted_at"] - started, report["rss_bytes"] / 2**20


def welcomed(home: str) -> None:
    """The welcome seen, as after a first launch: the next launches are everyday ones."""
    code = "from hushdesk.app import App; a = App(); a.preferences.set_welcomed(); a.close()"
    env = dict(os.environ, HUSHDESK_HOME=home, HUSHDESK_PASSPHRASE_FILE=PASSPHRASE)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hushdesk-bench-") as home:
        _, first_rss = launch(home)  # files created, bytecode compiled, disk cache warm
        welcomed(home)
        results = [launch(home) for _ in range(RUNS)]
    paint = statistics.median(r[0] for r in results)
    rss = statistics.median(r[1] for r in results)
    platform = "x11" if os.environ.get("DISPLAY") else "offscreen"
    print(f"platform: {platform}")
    print(f"runs: {RUNS}")
    print(f"first_launch_rss_mb: {first_rss:.0f} MB (the welcome preparing the embedding model)")
    print(f"idle_rss_mb: {rss:.0f} MB (target <= 250)")
    print(f"first_paint_s: {paint:.2f} s (target <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
