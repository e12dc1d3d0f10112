"""Opens the GUI, or explains why it cannot when there is no display."""

from __future__ import annotations

import os
import sys


def display_available() -> bool:
    if sys.platform != "linux":
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch() -> int:
    if not display_available():
        print(
            "Hushdesk needs a display to open its window, and none was found "
            "(DISPLAY/WAYLAND_DISPLAY are not set).\n"
            "Use the command line instead, for example:\n"
            '  hushdesk ask "Draft a two-line thank-you note"\n'
            "  hushdesk chat\n"
            "  hushdesk doctor",
            file=sys.stderr,
        )
        return 2
    from hushdesk.ui.app import run

    return run()
