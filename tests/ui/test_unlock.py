"""Protecting and unlocking in the GUI: the first-run choice, the unlock dialog (wrong
passphrase, recovery key), Settings → Privacy, locking by hand and after idle time."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QLineEdit
from pytestqt.qtbot import QtBot

from hushdesk import paths
from hushdesk.ui import unlock
from hushdesk.ui.unlock import UnlockDialog
from hushdesk.ui.widgets.wipe_dialog import WipeDialog
from hushdesk.vault import Vault
from tests.keys import TEST_PASSPHRASE
from tests.ui.conftest import MakeWindow, answer_boxes


@pytest.fixture
def shown_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Recovery keys the app showed (the dialog is not left open on screen)."""
    shown: list[str] = []

    def record(dialog: unlock.RecoveryKeyDialog) -> int:
        shown.append(dialog.code)
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(unlock.RecoveryKeyDialog, "exec", record)
    return shown


def test_first_run_encrypts_under_a_passphrase_and_shows_a_recovery_key(
    qtbot: QtBot, tmp_path: Path, shown_keys: list[str]
) -> None:
    vault = Vault(tmp_path / "keys.json")
    dialog = UnlockDialog(vault)
    qtbot.addWidget(dialog)
    assert not dialog.keychain.isEnabled()  # no keychain here: a passphrase it is
    assert dialog.passphrase.isChecked()
    dialog.secret.setText("short")
    dialog.go.click()
    assert "at least 8" in dialog.message.text()
    dialog.secret.setText(TEST_PASSPHRASE)
    dialog.again.setText(TEST_PASSPHRASE + "x")
    dialog.go.click()
    assert "do not match" in dialog.message.text()
    dialog.again.setText(TEST_PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.go.click()
    assert vault.unlocked
    assert vault.methods() == ["passphrase", "recovery"]
    assert len(shown_keys) == 1
    again = Vault(tmp_path / "keys.json")
    again.unlock_with_recovery_key(shown_keys[0])


def test_unlock_refuses_a_wrong_passphrase_then_opens(qtbot: QtBot, tmp_path: Path) -> None:
    vault = Vault(tmp_path / "keys.json")
    vault.create(passphrase=TEST_PASSPHRASE)
    code = vault.new_recovery_key()
    vault.lock()
    dialog = UnlockDialog(vault)
    qtbot.addWidget(dialog)
    dialog.secret.setText("not the passphrase")
    dialog.go.click()
    qtbot.waitUntil(lambda: "neither your passphrase" in dialog.message.text(), timeout=20_000)
    assert not vault.unlocked
    dialog.secret.setText(code.lower())  # the recovery key, as typed
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.go.click()
    assert vault.unlocked


def test_settings_change_the_passphrase_and_make_a_recovery_key(
    make_window: MakeWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, shown_keys: list[str]
) -> None:
    window = make_window()
    page = window.page("settings")
    assert "unlocks with your passphrase" in page.unlocks.text()
    assert "no recovery key yet" in page.unlocks.text()
    assert not page.use_keychain.isEnabled()

    answer_boxes(monkeypatch, "Make a new key")
    page.new_recovery_key()
    qtbot.waitUntil(lambda: bool(shown_keys), timeout=20_000)
    qtbot.waitUntil(lambda: "and your recovery key" in page.unlocks.text(), timeout=5_000)

    def typed(dialog: unlock.PassphraseDialog) -> int:
        dialog.first.setText("a brand new passphrase")
        dialog.second.setText("a brand new passphrase")
        dialog._check()
        return dialog.result()

    monkeypatch.setattr(unlock.PassphraseDialog, "exec", typed)
    key = window.app.vault.key
    page.change_passphrase()
    qtbot.waitUntil(lambda: "Passphrase changed" in page.privacy_note.text(), timeout=20_000)
    Vault(paths.keys_file()).unlock("a brand new passphrase")
    assert window.app.vault.key != key  # a new data key, the window's stores re-keyed
    assert len(shown_keys) == 2  # and a new recovery key with it
    window.app.conversations.store.create(title="after the change")

    asked: list[str] = []

    def ask(dialog: QInputDialog) -> int:
        asked.append(dialog.labelText())
        dialog.setTextValue("a brand new passphrase")
        return QInputDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QInputDialog, "exec", ask)
    page.new_recovery_key()  # replacing one: the passphrase is asked for
    qtbot.waitUntil(lambda: len(shown_keys) == 3, timeout=20_000)
    assert "Type your passphrase" in asked[0]
    assert window.app.vault.key != key
    assert [c.title for c in window.app.conversations.store.conversations()] == ["after the change"]

    page.lock_after.setCurrentIndex(page.lock_after.findData(5))
    page.lock_after.activated.emit(page.lock_after.currentIndex())
    assert window.app.preferences.lock_after_min == 5
    assert window.idle.timer.interval() == 5 * 60_000


def test_lock_by_hand_after_idle_time_and_wipe_end_the_window(
    make_window: MakeWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    shortcut = window.findChild(QShortcut, "lock")
    assert shortcut.key().toString() == "Ctrl+Shift+L"
    with qtbot.waitSignal(window.ended, timeout=10_000) as ended:
        shortcut.activated.emit()
    assert ended.args == ["lock"]
    assert not window.isVisible()

    idle = make_window()
    idle.idle.timer.setInterval(50)
    idle.idle.timer.start()
    with qtbot.waitSignal(idle.ended, timeout=10_000) as ended:
        pass
    assert ended.args == ["lock"]

    wiped = make_window()
    page = wiped.page("settings")
    monkeypatch.setattr(WipeDialog, "exec", lambda _d: QDialog.DialogCode.Accepted)
    with qtbot.waitSignal(wiped.ended, timeout=10_000) as ended:
        page.confirm_wipe()
    assert ended.args == ["wipe"]


def test_the_app_locks_and_unlocks_without_restarting(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, hushdesk_home: Path
) -> None:
    """The real start-up loop: unlock, a window, Lock, the dialog again, a fresh window."""
    import signal
    import sys

    from PySide6.QtCore import QTimer

    from hushdesk.ui import application
    from hushdesk.ui.main_window import MainWindow

    Vault().create(passphrase=TEST_PASSPHRASE)
    monkeypatch.delenv("HUSHDESK_PASSPHRASE_FILE")  # so the dialog is what unlocks
    asked: list[bool] = []

    def type_passphrase(dialog: UnlockDialog) -> int:
        asked.append(dialog.vault.unlocked)
        dialog.vault.unlock_typed(TEST_PASSPHRASE)
        return QDialog.DialogCode.Accepted.value

    windows: list[MainWindow] = []
    shown = MainWindow.show

    def show(window: MainWindow) -> None:
        shown(window)
        windows.append(window)
        QTimer.singleShot(50, window.lock if len(windows) == 1 else window.close)

    monkeypatch.setattr(UnlockDialog, "exec", type_passphrase)
    monkeypatch.setattr(MainWindow, "show", show)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    hook, wakeup = sys.excepthook, signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup)
    try:
        assert application.run() == 0
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(wakeup)
        sys.excepthook = hook
        qapp.setQuitOnLastWindowClosed(True)
    assert asked == [False, False]  # at start, and again after the lock: locked both times
    assert len(windows) == 2


def test_the_wipe_button_names_what_it_does_and_waits_for_delete(qtbot: QtBot) -> None:
    dialog = WipeDialog()
    qtbot.addWidget(dialog)
    assert dialog.delete.text() == "Delete everything"
    assert not dialog.delete.isEnabled()
    dialog.typed.setText("nope")
    assert not dialog.delete.isEnabled()
    dialog.typed.setText(" delete ")  # any case: the intent is plain
    assert dialog.delete.isEnabled()


def test_esc_on_the_recovery_key_asks_before_it_is_gone(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = answer_boxes(monkeypatch, "Keep it first", "Close anyway")
    dialog = unlock.RecoveryKeyDialog("ABCD-EFGH")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reject()  # Esc: asked, and kept open
    assert dialog.isVisible()
    dialog.reject()  # asked again: closed this time
    assert not dialog.isVisible()
    safe = boxes[0].defaultButton()
    assert safe is not None
    assert safe.text() == "Keep it first"  # Enter keeps it
    assert boxes[0].escapeButton() is safe


def test_first_run_starts_in_the_passphrase_field_and_can_show_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = UnlockDialog(Vault(tmp_path / "keys.json"))  # no keychain here: a passphrase
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.passphrase.isChecked()
    assert dialog.focusWidget() is dialog.secret
    dialog.show_typed.setChecked(True)
    assert dialog.secret.echoMode() == dialog.again.echoMode() == QLineEdit.EchoMode.Normal
