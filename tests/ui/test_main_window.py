from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from hushdesk.ui.main_window import PAGES, MainWindow


def test_main_window_lists_every_page(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [p[0] for p in PAGES]
    window.nav.setCurrentRow(4)
    assert window.pages.currentIndex() == 4
    assert window.nav.accessibleName() == "Navigation"


def test_no_display_gives_a_cli_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hushdesk import gui_entry

    monkeypatch.setattr(gui_entry.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert gui_entry.launch() == 2
    assert "hushdesk ask" in capsys.readouterr().err


def test_missing_qt_system_libraries_are_named_as_packages() -> None:
    from hushdesk.gui_entry import debian_package

    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
