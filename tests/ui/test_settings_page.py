"""The Settings page: theme, default model, your signature, data folders, privacy."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hushdesk import paths, settings
from hushdesk.app import App
from hushdesk.ui.main_window import MainWindow
from tests.ui.conftest import MakeWindow


def open_settings(make_window: MakeWindow) -> MainWindow:
    window = make_window()
    window.go("settings")
    assert window.built("settings")
    return window


def test_theme_and_signature_are_saved_and_used(
    qtbot: QtBot, make_window: MakeWindow, hushdesk_home: Path
) -> None:
    window = open_settings(make_window)
    page = window.page("settings")
    page.theme.setCurrentIndex(page.theme.findData("dark"))
    page.set_theme("dark")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().color(app.palette().ColorRole.Window).lightness() < 128
    page.set_theme("light")
    page.sender_name.setText(" Sam Carter ")
    page.sender_address.setText("sam@carter.example")
    page.signature.setPlainText("Sam Carter\nCarter & Co")
    page.save_sender.click()
    saved = settings.load()
    assert saved.ui.theme == "light"
    assert "Carter" not in paths.settings_file().read_text()  # personal: kept encrypted
    fresh = App()
    assert (fresh.preferences.sender.sender_name, fresh.preferences.sender.signature) == (
        "Sam Carter",
        "Sam Carter\nCarter & Co",
    )
    fresh.close()
    assert window.page("email").drafts.sender.sign_off == "Sam Carter\nCarter & Co"


def test_default_model_data_folders_and_privacy(
    make_window: MakeWindow, hushdesk_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_settings(make_window)
    page = window.page("settings")
    assert page.model.count() >= 1  # the starter model
    page.set_default_model(str(page.model.itemData(0)))
    assert settings.load().default_model == page.model.itemData(0)
    assert page.folders["data"].text().startswith(str(hushdesk_home))
    opened: list[str] = []
    monkeypatch.setattr(
        "hushdesk.ui.settings_page.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()),
    )
    page.open_folder("logs")
    assert opened[0].startswith(str(hushdesk_home))
    assert page.privacy.text().count("✓") == 4  # offline, guard, children without network, no cores
