"""Matters in the window, on real widgets and stores: the switcher and the title say
which matter is open, opening another ends the window for the one on that matter, a
new matter is made and opened, the manager renames and deletes, and a temporary chat
keeps nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot

from hushdesk import policy
from hushdesk.app import App
from hushdesk.ui.matters import SWITCH
from hushdesk.ui.widgets.matters_dialog import MattersDialog, NewMatterDialog
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, answer_boxes, send


def test_the_switcher_and_the_title_say_the_matter_and_switching_ends_the_window(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    app = App(engine=FakeEngine())
    tenant = app.matters.add("Smith v Jones")
    window = make_window(app=app)
    switcher = window.matter_switcher
    assert switcher.text() == "General"
    names = [a.text() for a in switcher.menu().actions() if a.text()]
    assert names == ["General", "Smith v Jones", "New matter…", "Manage matters…"]
    assert window.windowTitle().endswith("— General — Hushdesk")  # two matters: named
    with qtbot.waitSignal(window.ended) as ended:
        next(a for a in switcher.menu().actions() if a.text() == "Smith v Jones").trigger()
    assert ended.args == [SWITCH + tenant.id]


def test_a_window_on_another_matter_shows_only_its_conversations(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    app = App(engine=FakeEngine())
    app.matters.add("Tenant")
    first = make_window(app=app)
    send(qtbot, first, "General question")
    first.shutdown()
    app.open_matter("Tenant")
    window = make_window(app=app)
    assert window.matter_switcher.text() == "Tenant"
    assert window.sidebar.ids() == []  # General's conversation is not in view
    assert window.chat.conversation_id is None  # nor opened as the last one
    send(qtbot, window, "Tenant question")
    assert len(window.sidebar.ids()) == 1


def test_new_matter_is_made_and_opened(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()

    def fill() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, NewMatterDialog))
        dialog.name.setText("  Estate of\tBrown  ")
        dialog.instructions.setPlainText("We act for the executor.")
        dialog.create_button.click()

    QTimer.singleShot(0, fill)
    with qtbot.waitSignal(window.ended) as ended:
        window.matter_actions.new_matter()
    made = window.app.matters.get("Estate of Brown")
    assert made.instructions == "We act for the executor."
    assert ended.args == [SWITCH + made.id]


def test_the_manager_renames_closes_and_deletes(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = App(engine=FakeEngine())
    old = app.matters.add("Old case")
    window = make_window(app=app)
    dialog = MattersDialog(app.matters, app.matter.id, window)
    qtbot.addWidget(dialog)
    dialog.refresh(old.id)
    assert dialog.name.text() == "Old case"
    assert dialog.delete.isEnabled()
    dialog.name.setText("Old case 2019")
    dialog.closed.setChecked(True)
    dialog.keep.setChecked(True)
    dialog.days.setValue(30)
    dialog.save.click()
    changed = app.matters.get(old.id)
    assert (changed.name, changed.closed, changed.retention_days) == ("Old case 2019", True, 30)
    answer_boxes(monkeypatch, "Delete matter")
    dialog.delete.click()
    assert [m.name for m in app.matters.list()] == ["General"]
    dialog.refresh(app.matter.id)
    assert not dialog.delete.isEnabled()  # the first matter, and the open one
    dialog.done(QDialog.DialogCode.Rejected)


def test_a_temporary_chat_keeps_nothing(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    window.conversation_actions.new_temporary_chat()
    assert window.chat.temporary.isVisible()
    assert window.chat.title.full_text() == "Temporary chat"
    send(qtbot, window, "Something I do not want kept")
    assert "echo: Something I do not want kept" in window.chat.view.toPlainText()
    assert window.sidebar.ids() == []
    assert window.app.conversations.all() == []
    window.conversation_actions.new_chat()
    assert not window.chat.temporary.isVisible()
    assert window.chat.view.toPlainText().find("Something") == -1  # gone when left


def test_the_firms_locks_show_in_the_window(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "policy.toml"
    rules.write_text(
        'reason = "Smith & Co IT"\ndownloads = false\nlocal_api = false\nlock_after_min = 5\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(policy.POLICY_ENV, str(rules))
    window = make_window()
    settings = window.page("settings")
    assert not settings.lock_after.isEnabled()
    assert "Smith & Co IT" in settings.lock_after.toolTip()
    assert not settings.api_on.isEnabled()
    firm = next(w for w in settings.findChildren(QLabel) if w.accessibleName() == "Firm policy")
    assert "no model downloads" in firm.text()
    models = window.page("models")
    card = next(iter(models.cards.values()))
    assert not card.button.isEnabled()
    assert "Smith & Co IT" in card.button.toolTip()
