"""The quick-ask window in a real X session, for tests/ui/test_quick_ask.py: another
program's window has the focus, a real key event (XTest) presses Ctrl+Alt+Space, the
quick-ask window shows over it; Escape hides it and the focus goes back. Prints one JSON
line of what it saw.

Run as ``python -m tests.ui.quick_x11 [--shoot PNG]`` under Xvfb, QT_QPA_PLATFORM=xcb;
``--shoot`` also answers a question in it and saves the whole screen (docs/screenshots.py).
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import time

from hushdesk import privacy

privacy.apply()

OTHER = """
from PySide6.QtWidgets import QApplication, QPlainTextEdit
qt = QApplication([])
box = QPlainTextEdit(); box.setWindowTitle("Another program")
box.setPlainText("Dear Ms Lee,\\n\\nThank you for your letter about the lease. ")
box.setGeometry(40, 40, 900, 640); box.show()
qt.processEvents(); print(int(box.winId()), flush=True); qt.exec()
"""


def press(*keys: str) -> None:
    """A real key event: the keys pressed in order and let go, through XTest."""
    from hushdesk.ui.hotkey import xlib

    x, xtest = xlib(), ctypes.CDLL("libXtst.so.6")
    xtest.XTestFakeKeyEvent.argtypes = [
        ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong
    ]  # fmt: skip
    x.XFlush.argtypes = [ctypes.c_void_p]
    display = x.XOpenDisplay(None)
    codes = [x.XKeysymToKeycode(display, x.XStringToKeysym(k.encode())) for k in keys]
    for code in codes:
        xtest.XTestFakeKeyEvent(display, code, True, 0)
    for code in reversed(codes):
        xtest.XTestFakeKeyEvent(display, code, False, 0)
    x.XFlush(display)
    x.XCloseDisplay(display)


def main() -> int:
    from hushdesk.app import App
    from hushdesk.ui import hotkey
    from hushdesk.ui.application import create_app
    from hushdesk.ui.main_window import MainWindow
    from hushdesk.ui.theme import apply_theme
    from tests.fakes import FakeEngine

    qt = create_app()
    apply_theme(qt, "light")
    reply = "The notice period is **three months**, given in writing to the other party."
    app = App(engine=FakeEngine(reply=reply if "--shoot" in sys.argv else None))
    window = MainWindow(app)
    window.hide()  # it works while the main window is hidden
    other = subprocess.Popen([sys.executable, "-c", OTHER], stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None
    other_id = int(other.stdout.readline())
    seen: dict[str, object] = {"platform": qt.platformName()}

    def wait(condition: object, seconds: float = 10) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qt.processEvents()
            if condition():  # type: ignore[operator]
                return True
            time.sleep(0.02)
        return False

    try:
        wait(lambda: window.quick.shortcut.sequence, 5)
        seen["shortcut_problem"] = window.quick.shortcut.problem
        hotkey.focus_window(other_id)
        seen["other_focused"] = wait(lambda: hotkey.focused_window() == other_id)
        press("Control_L", "Alt_L", "space")
        quick = window.quick.window
        seen["shown"] = wait(quick.isVisible)
        seen["title"] = quick.windowTitle()
        seen["quick_focused"] = wait(lambda: hotkey.focused_window() == int(quick.winId()))
        seen["typing_goes_to"] = qt.focusWidget().accessibleName() if qt.focusWidget() else ""
        if "--shoot" in sys.argv:
            _shoot(qt, quick, sys.argv[sys.argv.index("--shoot") + 1], wait)
        press("Escape")
        seen["hidden"] = wait(lambda: not quick.isVisible())
        seen["focus_back"] = wait(lambda: hotkey.focused_window() == other_id)
    finally:
        other.kill()
        window.close()
        app.close()
    print(json.dumps(seen), flush=True)
    return 0


def _shoot(qt: object, quick: object, path: str, wait: object) -> None:
    """A question answered in the quick-ask window, and the screen as it looks."""
    from PySide6.QtGui import QGuiApplication

    quick.question.setText("How long is the notice period?")  # type: ignore[attr-defined]
    quick.ask()  # type: ignore[attr-defined]
    wait(quick.copy.isEnabled, 60)  # type: ignore[attr-defined, operator]
    wait(lambda: False, 0.5)  # type: ignore[operator]  # painted
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(path)


if __name__ == "__main__":
    sys.exit(main())
