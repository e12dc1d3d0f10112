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


def missing_system_libraries() -> list[str]:
    """Debian package names of the libraries Qt's X11 plugin needs but cannot find.

    Without them Qt aborts the whole process with a message few users understand.
    """
    if sys.platform != "linux" or not os.environ.get("DISPLAY"):
        return []
    if os.environ.get("QT_QPA_PLATFORM", "xcb").split(":")[0] != "xcb":
        return []
    import importlib.util
    import shutil
    import subprocess
    from pathlib import Path

    spec = importlib.util.find_spec("PySide6")
    ldd = shutil.which("ldd")
    if spec is None or spec.origin is None or ldd is None:
        return []
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return []
    try:
        out = subprocess.run(
            [ldd, str(plugin)], check=False, capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing = {line.split()[0] for line in out.splitlines() if "not found" in line}
    return sorted({debian_package(name) for name in missing})


def debian_package(soname: str) -> str:
    """libxcb-icccm.so.4 → libxcb-icccm4; libxkbcommon-x11.so.0 → libxkbcommon-x11-0."""
    base, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    return f"{base}-{version}" if base[-1:].isdigit() else f"{base}{version}"


def launch() -> int:
    missing = missing_system_libraries()
    if missing:
        print(
            "Hushdesk's window needs system libraries that are not installed: "
            f"{', '.join(missing)}.\nOn Debian/Ubuntu: sudo apt install {' '.join(missing)}\n"
            "Meanwhile the command line works: hushdesk chat",
            file=sys.stderr,
        )
        return 2
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
    from hushdesk.ui.application import run

    return run()
