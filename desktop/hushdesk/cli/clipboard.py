"""The system clipboard for the command line (``--clipboard``), read and written by a
helper process (``hushdesk _clipboard``, Qt's clipboard, as in the window): the command
line itself loads no GUI toolkit. Written text stays on the clipboard after the command
ends (on X11 the helper leaves a process holding it until something else is copied)."""

from __future__ import annotations

import os
import subprocess
import sys

from hushdesk.errors import HushdeskError

TIMEOUT_S = 60.0
MAX_BYTES = 4 << 20


def _helper(action: str) -> list[str]:
    if getattr(sys, "frozen", False):  # the bundled app is its own interpreter
        return [sys.executable, "_clipboard", action]
    return [sys.executable, "-m", "hushdesk", "_clipboard", action]


def _ask(action: str, data: bytes = b"") -> bytes:
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise HushdeskError(
            "There is no clipboard here: --clipboard needs a desktop session (neither DISPLAY "
            "nor WAYLAND_DISPLAY is set)."
        )
    try:
        done = subprocess.run(
            _helper(action), input=data, capture_output=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise HushdeskError("The clipboard did not answer.") from exc
    if done.returncode != 0:
        verb = "read" if action == "get" else "written"
        raise HushdeskError(f"The clipboard could not be {verb}.")
    return done.stdout[:MAX_BYTES]


def read() -> str:
    """The clipboard's text ("" when it holds none)."""
    return _ask("get").decode("utf-8", "replace")


def write(text: str) -> None:
    """``text`` on the clipboard, there after this command ends."""
    _ask("set", text.encode("utf-8"))
