"""The quick-ask window in a real X session, for tests/ui/test_quick_ask.py: another
program's window has the focus, a real key event (XTest) presses Ctrl+Alt+Space, the
quick-ask window shows over it; Escape hides it and the focus goes back. Prints one JSON
line of what it saw.

Run as ``python -m tests.ui.quick_x11 [--shoot PNG] [--selection]`` under Xvfb,
QT_QPA_PLATFORM=xcb; ``--shoot`` also answers a question in it and saves the whole screen
(docs/screenshots.py); ``--selection`` then presses Ctrl+Alt+W over the other program's
selected sentence and has it proofread and pasted back.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()

OTHER = """
import sys
from PySide6.QtWidgets import QApplication, QPlainTextEdit
qt = QApplication([])
box = QPlainTextEdit(); box.setWindowTitle("Another program")
out, select = sys.argv[1], sys.argv[2] == "select"
box.setPlainText("Teh contract are signed." if select else
                 "Dear Ms Lee,\\n\\nThank you for your letter about the lease. ")
box.textChanged.connect(lambda: open(out, "w").write(box.toPlainText()))
box.setGeometry(40, 40, 900, 640); box.show()
if select:  # selected, as a user selects a sentence to correct (and copied)
    box.selectAll(); qt.clipboard().setText(box.toPlainText())
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
    selection = "--selection" in sys.argv
    reply = "The notice period is **three months**, given in writing to the other party."
    app = App(engine=FakeEngine(reply="The contract is signed." if selection else reply))
    app.settings.ui.paste_back = selection
    window = MainWindow(app)
    window.hide()  # it works while the main window is hidden
    typed = str(Path(tempfile.mkdtemp(prefix="hushdesk-other-")) / "typed.txt")
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER, typed, "select" if selection else "-"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
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
        if selection:
            seen.update(_on_the_selection(window, typed, wait))
    finally:
        other.kill()
        window.close()
        app.close()
    print(json.dumps(seen), flush=True)
    return 0


def _on_the_selection(window: object, typed: str, wait: object) -> dict[str, object]:
    """Ctrl+Alt+W over the other program's selected sentence, Proofread chosen from the
    menu: the correction is pasted over the selection (the other program's text)."""
    from hushdesk.ui import hotkey

    actions = window.quick.selection  # type: ignore[attr-defined]
    seen: dict[str, object] = {"selection_problem": window.quick.selection_shortcut.problem}  # type: ignore[attr-defined]
    press("Control_L", "Alt_L", "w")
    seen["menu"] = wait(lambda: actions._menu is not None and actions._menu.isVisible())  # type: ignore[operator]
    if seen["menu"]:
        seen["selected"] = actions.text
        proofread = next(a for a in actions._menu.actions() if a.text() == "Proofread")
        actions._menu.hide()
        proofread.trigger()
        wait(lambda: Path(typed).exists() and "The contract" in Path(typed).read_text(), 30)  # type: ignore[operator]
        seen["pasted"] = Path(typed).read_text() if Path(typed).exists() else ""
        seen["note"] = actions.note.said.text()
        seen["note_shown"] = actions.note.isVisible()
        seen["keyboard_stays"] = hotkey.focused_window() != int(actions.note.winId())
    return seen


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
