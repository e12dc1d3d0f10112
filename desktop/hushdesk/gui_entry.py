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


# What Qt's X11 plugin links against beyond the C library: checked with ldconfig when
# PySide6 is not installed yet (``make run`` asks before it sets anything up).
XCB_NEEDS = (
    "libGL.so.1", "libEGL.so.1", "libfontconfig.so.1", "libfreetype.so.6",
    "libglib-2.0.so.0", "libdbus-1.so.3", "libX11.so.6", "libX11-xcb.so.1",
    "libxkbcommon.so.0", "libxkbcommon-x11.so.0", "libxcb.so.1", "libxcb-cursor.so.0",
    "libxcb-icccm.so.4", "libxcb-image.so.0", "libxcb-keysyms.so.1", "libxcb-randr.so.0",
    "libxcb-render.so.0", "libxcb-render-util.so.0", "libxcb-shape.so.0",
    "libxcb-shm.so.0", "libxcb-sync.so.1", "libxcb-util.so.1", "libxcb-xfixes.so.0",
    "libxcb-xkb.so.1",
)  # fmt: skip
DEBIAN_NAMES = {  # where the package is not the soname's usual spelling
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libfreetype.so.6": "libfreetype6",
}


def missing_system_libraries() -> list[str]:
    """The libraries (sonames) Qt's X11 plugin needs but cannot find, on Linux with an
    X display. Without them Qt aborts the whole process with a message few understand."""
    if sys.platform != "linux" or not os.environ.get("DISPLAY"):
        return []
    if os.environ.get("QT_QPA_PLATFORM", "xcb").split(":")[0] != "xcb":
        return []
    import importlib.util
    import shutil
    import subprocess
    from pathlib import Path

    def output(*command: str) -> str:
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout

    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.origin is not None:
        plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        ldd = shutil.which("ldd")
        if not plugin.exists() or ldd is None:
            return []
        out = output(ldd, str(plugin))
        return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    known = {line.split()[0] for line in output(ldconfig, "-p").splitlines()[1:] if line.strip()}
    return sorted(name for name in XCB_NEEDS if known and name not in known)


def debian_package(soname: str) -> str:
    """libxcb-icccm.so.4 → libxcb-icccm4; libxkbcommon-x11.so.0 → libxkbcommon-x11-0."""
    if soname in DEBIAN_NAMES:
        return DEBIAN_NAMES[soname]
    base, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    name = f"{base}-{version}" if base[-1:].isdigit() else f"{base}{version}"
    return name.lower()


def debian_packages(missing: list[str]) -> list[str]:
    return sorted({debian_package(name) for name in missing})


def install_advice(missing: list[str]) -> str:
    """What to type, on Debian/Ubuntu and on Fedora (dnf installs by soname)."""
    debian = " ".join(debian_packages(missing))
    fedora = " ".join(f"'{name}()(64bit)'" for name in missing)
    return (
        f"Hushdesk's window needs system libraries that are not installed: "
        f"{', '.join(missing)}.\n"
        f"  Debian/Ubuntu: sudo apt install {debian}\n"
        f"  Fedora:        sudo dnf install {fedora}\n"
    )


def launch(*, show: str = "") -> int:
    missing = missing_system_libraries()
    if missing:
        print(
            install_advice(missing) + "Meanwhile the command line works: hushdesk chat",
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

    return run(show=show)


if __name__ == "__main__":  # with the system's Python, before anything is set up
    found = missing_system_libraries()
    if sys.argv[1:] == ["--debian-packages"]:  # .ci/run installs them
        print(" ".join(debian_packages(found)))
        sys.exit(0)
    if found:  # make run
        print(install_advice(found), file=sys.stderr)
    sys.exit(2 if found else 0)
