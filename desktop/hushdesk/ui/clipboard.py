"""The system clipboard for the command line (``hushdesk proofread --clipboard``), through
Qt like the window's: ``hushdesk _clipboard get`` prints its text, ``hushdesk _clipboard
set`` puts standard input there and answers ``ok``.

On X11 copied text lives in the program that copied it: when it exits, the text goes,
unless the desktop runs a clipboard manager. So there ``set`` hands the text to a
process of its own in the background (forked before Qt starts, in a session of its own)
that holds it, as xclip does, until something else is copied or ``HOLD_S`` has passed;
``set`` answers once the text is on the clipboard. Under Wayland the X11 clipboard
(XWayland) is used where there is one: a background program may not take Wayland's.
Windows and macOS keep copied text themselves.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QClipboard, QGuiApplication

HOLD_S = 8 * 3600  # a copied text is held at most this long in the background
MAX_CHARS = 1_000_000
ANSWER_S = 30.0


def main(argv: list[str]) -> int:
    if argv not in (["get"], ["set"]):
        print("usage: hushdesk _clipboard get|set", file=sys.stderr)
        return 2
    x11 = sys.platform.startswith("linux") and bool(os.environ.get("DISPLAY"))
    if x11:
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    if argv == ["get"]:
        sys.stdout.write(_clipboard().text()[:MAX_CHARS])
        return 0
    text = sys.stdin.read(MAX_CHARS)
    if x11 and hasattr(os, "fork"):
        return _in_background(text)
    _clipboard().setText(text)
    print("ok", flush=True)
    return 0


def _clipboard() -> QClipboard:
    qt = QGuiApplication.instance() or QGuiApplication(["hushdesk-clipboard"])
    assert isinstance(qt, QGuiApplication)
    return qt.clipboard()


def _in_background(text: str) -> int:
    """Fork (Qt not started yet), let the grandchild take and hold the clipboard, and
    answer what it says."""
    read, write = os.pipe()
    child = os.fork()
    if child:
        os.close(write)
        answered, _, _ = select.select([read], [], [], ANSWER_S)
        answer = os.read(read, 16).strip() if answered else b""
        os.close(read)
        os.waitpid(child, 0)
        print(answer.decode(errors="replace") or "no answer", flush=True)
        return 0 if answer == b"ok" else 1
    os.close(read)
    os.setsid()  # not ended with the command's terminal or process group
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(devnull, stream)

    def taken() -> None:
        os.write(write, b"ok\n")
        os.close(write)

    os._exit(_hold(text, taken))


def _hold(text: str, ready: Callable[[], None]) -> int:
    """Take the clipboard (Qt starts here, after the forks) and keep it."""
    qt = QGuiApplication(["hushdesk-clipboard"])
    clipboard = qt.clipboard()
    clipboard.setText(text)
    qt.processEvents()
    ready()
    clipboard.dataChanged.connect(lambda: None if clipboard.ownsClipboard() else qt.quit())
    QTimer.singleShot(HOLD_S * 1000, qt.quit)
    return qt.exec()
