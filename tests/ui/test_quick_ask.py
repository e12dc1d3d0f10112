"""Quick ask: in a real X session (Xvfb) a real key event (XTest) on Ctrl+Alt+Space,
with another program's window focused, shows the quick-ask window over it; Escape hides
it and the focus goes back; Ctrl+Alt+W over its selected sentence offers the actions, and
a correction is pasted over the selection. Then the window itself: asked, answered,
copied, opened in the main window, by keyboard alone, every control named for a screen
reader; files dropped on it; and ``hushdesk quick`` reaching a running instance."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from hushdesk.ui.single_instance import SingleInstance
from tests.conftest import REPO
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow

pytestmark = pytest.mark.slow


def test_the_shortcuts_work_over_another_program(
    cli_env: dict[str, str],
) -> None:
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:  # .ci/run installs it
        pytest.fail("Xvfb is not installed: apt-get install xvfb (.ci/run does)")
    env = dict(cli_env, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [xvfb, "--auto-servernum", sys.executable, "-m", "tests.ui.quick_x11", "--selection"],
        env=env, capture_output=True, text=True, timeout=180, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["platform"] == "xcb"
    assert seen["shortcut_problem"] == ""
    assert seen["other_focused"]
    assert seen["shown"]
    assert "Quick" in seen["title"]
    assert seen["quick_focused"]
    assert seen["typing_goes_to"] == "Question"  # ready to type
    assert seen["hidden"]
    assert seen["focus_back"]  # the other program has the keyboard again
    # Ctrl+Alt+W over the other program's selected sentence, Proofread from the menu:
    assert seen["selection_problem"] == ""
    assert seen["menu"]
    assert seen["selected"] == "Teh contract are signed."
    assert seen["pasted"] == "The contract is signed."  # pasted over its selection
    assert "Pasted over the selection" in str(seen["note"])
    assert seen["note_shown"]
    assert seen["keyboard_stays"]  # the note does not take the keyboard from that program


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform
def test_quick_ask_answers_copies_and_opens_the_conversation_by_keyboard(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    thinking = "<think>The notice is in clause 4, it says three months.</think>"
    window = make_window(FakeEngine(reply=f"{thinking}The notice period is three months."))
    quick = window.quick.window
    quick.show_over()
    qtbot.waitExposed(quick)
    assert "Quick" in quick.windowTitle()
    named = [w for w in quick.findChildren(QWidget) if w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    assert all(w.accessibleName() for w in named if w.isVisible()), [
        type(w).__name__ for w in named if not w.accessibleName()
    ]
    qtbot.keyClicks(quick.question, "How long is the notice?")
    qtbot.keyClick(quick.question, Qt.Key.Key_Return)
    qtbot.waitUntil(quick.copy.isEnabled, timeout=30_000)
    assert "three months" in quick.view.toPlainText()
    assert "Thought for" in quick.view.toPlainText()  # a reasoning model's thinking, folded
    assert "clause 4" not in quick.view.toPlainText()
    quick.copy.setFocus()
    qtbot.keyClick(quick.copy, Qt.Key.Key_Space)
    assert QGuiApplication.clipboard().text() == "The notice period is three months."
    chat_id = quick.chat.id if quick.chat else None
    assert chat_id is not None
    quick.open_full.setFocus()
    qtbot.keyClick(quick.open_full, Qt.Key.Key_Space)
    assert not quick.isVisible()
    assert window.chat.conversation_id == chat_id  # the conversation, in the main window
    quick.show_over()
    qtbot.keyClick(quick.question, Qt.Key.Key_Escape)
    assert not quick.isVisible()


def test_hushdesk_quick_and_selection_reach_the_running_instance(qtbot: QtBot) -> None:
    first = SingleInstance()
    try:
        assert not first.already_running()
        for part in ("quick", "selection"):
            with qtbot.waitSignal(first.showRequested, timeout=5000) as shown:
                assert SingleInstance().already_running(part.encode())
            assert shown.args == [part]
        with qtbot.waitSignal(first.raiseRequested, timeout=5000):
            assert SingleInstance().already_running()
    finally:
        first.close()


def test_the_shortcut_is_changed_in_settings_and_a_refusal_said_plainly(
    make_window: MakeWindow,
) -> None:
    from PySide6.QtGui import QKeySequence

    from hushdesk.ui.widgets.quick_settings import QuickSettings

    window = make_window()
    window.go("settings")
    [box] = window.page("settings").findChildren(QuickSettings)
    assert box.keys.keySequence().toString() == "Ctrl+Alt+Space"
    assert box.selection.keySequence().toString() == "Ctrl+Alt+W"
    box.keys.setKeySequence(QKeySequence("Ctrl+Alt+K"))
    box.apply()
    assert window.app.settings.ui.quick_shortcut == "Ctrl+Alt+K"
    assert window.app.settings.ui.selection_shortcut == "Ctrl+Alt+W"
    assert "hushdesk quick" in box.problem.text()  # offscreen: no global keys, said how
    box.enabled.setChecked(False)
    assert (window.app.settings.ui.quick_shortcut, window.app.settings.ui.selection_shortcut) == (
        "",
        "",
    )
    assert box.problem.text().startswith("Off.")


@pytest.mark.qt_log_ignore("does not support")  # the offscreen platform
def test_actions_on_selected_text_put_the_result_on_the_clipboard_with_undo(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window(FakeEngine(reply="The rent is due on the first."))
    actions = window.quick.selection
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("")
    actions.popup()
    assert "Select some text" in actions.note.said.text()
    clipboard.setText("the rent, it is to be paid on the first day of each month")
    menu = actions.menu(clipboard.text())
    titles = [a.text() for a in menu.actions() if a.text()]
    assert "Proofread" in titles
    assert "Rewrite: shorter" in titles
    assert "Translate into" in titles
    assert titles[-3:] == ["Reply as an email…", "Summarize…", "Ask my documents about this…"]
    next(a for a in menu.actions() if a.text() == "Rewrite: shorter").trigger()
    qtbot.waitUntil(lambda: clipboard.text() == "The rent is due on the first.", timeout=30_000)
    assert actions.note.undo.isVisible()
    actions.note.undo.click()
    assert clipboard.text() == "the rent, it is to be paid on the first day of each month"

    next(a for a in menu.actions() if a.text() == "Ask my documents about this…").trigger()
    assert window.quick.window.question.text().startswith("the rent, it is to be paid")
    window.quick.window.dismiss()
    next(a for a in menu.actions() if a.text() == "Reply as an email…").trigger()
    assert "the rent" in window.page("email").thread_text.toPlainText()


@pytest.mark.qt_log_ignore("does not support")  # the offscreen platform
def test_a_file_dropped_on_quick_ask_is_summarized_or_added_to_a_library(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    note = tmp_path / "site visit.txt"
    note.write_text("The boiler in the cellar was serviced on 3 May. " * 20, encoding="utf-8")
    window = make_window()
    window.app.documents.library("Smith lease")
    quick = window.quick.window
    quick.show_over()
    menu = quick.drop_menu([note])
    summarize, add = [a for a in menu.actions() if a.text()]
    assert summarize.text() == "Summarize site visit.txt"
    assert not add.isEnabled()  # "the model only": no library chosen to add it to
    summarize.trigger()
    page = window.page("summaries")
    qtbot.waitUntil(lambda: page.source is not None, timeout=30_000)
    assert page.source is not None
    assert page.source.name == "site visit.txt"

    quick.library.setCurrentIndex(quick.library.findData("Smith lease"))
    [_, add] = [a for a in quick.drop_menu([note]).actions() if a.text()]
    assert add.text() == "Add site visit.txt to “Smith lease”"
    add.trigger()
    library = window.app.documents.library("Smith lease")
    qtbot.waitUntil(lambda: window.app.documents.state(library).ready == 1, timeout=120_000)
