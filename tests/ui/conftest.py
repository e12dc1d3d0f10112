from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hushdesk.core import Core
from hushdesk.engine.base import Engine
from hushdesk.history import History
from hushdesk.ui.main_window import MainWindow
from tests.fakes import FakeEngine

MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, hushdesk_home: Path) -> Iterator[MakeWindow]:
    """A main window over a fresh data dir; the engine is a fake unless one is given."""
    made: list[tuple[MainWindow, History]] = []

    def make(engine: Engine | None = None, core: Core | None = None) -> MainWindow:
        core = core or Core(engine=engine or FakeEngine())
        history = History()
        window = MainWindow(core, history)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append((window, history))
        return window

    yield make
    for window, history in made:
        window.chat.stop()
        window.tasks.wait(30_000)
        history.close()


def send(qtbot: QtBot, window: MainWindow, text: str, timeout: int = 60_000) -> None:
    """Type a message, press Enter and wait until the answer is complete."""
    window.chat.composer.setPlainText(text)
    with qtbot.waitSignal(window.chat.answerFinished, timeout=timeout):
        window.chat.composer.submitted.emit()
