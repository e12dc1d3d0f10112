"""The tray icon's menu, the work it shows, and "keep running in the tray": the window's
close box hides it (the API and the shortcut keep working); the tray's Quit ends."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from hushdesk.jobs import Progress
from hushdesk.ui.tray import Tray
from tests.ui.conftest import MakeWindow


def test_the_menu_and_the_work_in_progress(make_window: MakeWindow, qtbot: QtBot) -> None:
    window = make_window()
    tray = window.tray
    names = [a.text() for a in tray.menu.actions() if a.text()]
    assert names == ["Open Hushdesk", "Quick ask…", "Lock now", "No work in progress",
                     "Quit Hushdesk"]  # fmt: skip
    release = threading.Event()

    def indexing(*, progress: Callable[[Progress], None], **_: object) -> None:
        progress(Progress(2, 9, "lease.pdf"))
        release.wait(10)

    window.tasks.run(indexing, job_args=True, title="Indexing Smith lease")
    try:
        qtbot.waitUntil(lambda: "lease.pdf" in tray.work.text(), timeout=10_000)
        assert tray.work.text().startswith("Indexing Smith lease · ")
    finally:
        release.set()
    qtbot.waitUntil(lambda: tray.work.text() == "No work in progress", timeout=10_000)


@pytest.mark.qt_log_ignore("does not support")  # the offscreen platform has no tray
def test_closing_the_window_keeps_hushdesk_in_the_tray_when_asked(
    make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    ended: list[str] = []
    window.ended.connect(ended.append)
    monkeypatch.setattr(Tray, "available", staticmethod(lambda: True))
    window.app.settings.ui.keep_in_tray = True
    window.close()  # the close box
    assert not window.isVisible()
    assert ended == []  # still running: hidden, not ended
    window.tray.menu.actions()[0].trigger()  # Open Hushdesk
    assert window.isVisible()
    [quit_] = [a for a in window.tray.menu.actions() if a.text() == "Quit Hushdesk"]
    quit_.trigger()
    assert ended == ["quit"]
