"""Window titles say what is in view, with the app's name once: the main window
"<conversation or page> — Hushdesk", a dialog what it is about."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from hushdesk import APP_NAME
from hushdesk.ui.pages import PAGES
from hushdesk.ui.unlock import UnlockDialog
from hushdesk.ui.widgets.conversation_settings import ConversationSettings
from hushdesk.vault import Vault
from tests.ui.conftest import MakeWindow, answer_boxes, send


def shown(widget: QWidget) -> str:
    """The title as the window system gets it (Qt's "[*]" mark resolved), with the
    " — <display name>" Qt's Linux and Windows platforms add when a display name is set
    and the title does not already end with it: the name must appear once either way."""
    handle = widget.windowHandle()
    title = handle.title() if handle is not None else widget.windowTitle()
    return title if title.endswith(APP_NAME) else f"{title} — {APP_NAME}"


def test_the_app_sets_no_display_name_for_qt_to_add(qapp: QApplication) -> None:
    """``applicationDisplayName`` follows the application name unless set on its own."""
    name = qapp.applicationName()
    try:
        qapp.setApplicationName("Probe")
        assert qapp.applicationDisplayName() == "Probe"
    finally:
        qapp.setApplicationName(name)


def test_the_main_window_names_the_conversation_or_the_page_then_the_app(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    assert window.windowTitle() == f"New chat — {APP_NAME}"
    for row, page in enumerate(PAGES):
        window.nav.setCurrentRow(row)
        expected = "New chat" if page.name == "chat" else page.title
        assert window.windowTitle() == f"{expected} — {APP_NAME}"
        assert shown(window).count(APP_NAME) == 1
    window.go("chat")
    send(qtbot, window, "Which law governs the lease?")
    conversation = window.chat.conversation_id
    assert conversation is not None
    title = window.chat.title.full_text()
    assert title != "New chat"
    assert window.windowTitle() == f"{title} — {APP_NAME}"
    renamed = ("Lease [*] Hushdesk notes", True)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args, **_kwargs: renamed)
    window.conversation_actions.rename(conversation)
    assert shown(window) == f"Lease [*] Hushdesk notes — {APP_NAME}"  # as typed


def test_no_window_or_dialog_repeats_the_app_name(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    titles = {"main window": shown(window)}
    welcome = window.onboarding.welcome()
    titles["welcome"] = shown(welcome)
    welcome.close()
    shortcuts = window.show_shortcuts()
    titles["shortcuts"] = shown(shortcuts)
    shortcuts.close()
    boxes = answer_boxes(monkeypatch, "OK")
    window.show_about()
    titles["about"] = shown(boxes[0])

    def settings(dialog: ConversationSettings) -> int:
        titles["conversation settings"] = shown(dialog)
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(ConversationSettings, "exec", settings)
    window.chat.settings_button.click()
    for creating in (True, False):
        folder = tmp_path / ("new" if creating else "existing")
        vault = Vault(folder / "keys.json")
        if not creating:
            vault.create(passphrase="a long enough passphrase")
        unlock = UnlockDialog(vault)
        qtbot.addWidget(unlock)
        titles[f"unlock (first run: {creating})"] = shown(unlock)
    repeated = {what: title for what, title in titles.items() if title.count(APP_NAME) != 1}
    assert repeated == {}
    assert len(titles) == 7
