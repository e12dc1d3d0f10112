from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.engine.base import Engine
from hushdesk.ui.application import create_app
from hushdesk.ui.main_window import MainWindow
from tests.fakes import FakeEngine

MakeWindow = Callable[..., MainWindow]


@pytest.fixture(scope="session")
def qapp() -> QApplication:
    """The application as the app makes it (its label policy included)."""
    return create_app()


@pytest.fixture
def make_window(qtbot: QtBot, hushdesk_home: Path) -> Iterator[MakeWindow]:
    """A main window over a fresh data dir; the engine is a fake unless one is given."""
    made: list[tuple[MainWindow, App]] = []

    def make(engine: Engine | None = None, app: App | None = None) -> MainWindow:
        app = app or App(engine=engine or FakeEngine())
        window = MainWindow(app)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append((window, app))
        return window

    yield make
    for window, app in made:
        window.chat.stop()
        window.tasks.wait(30_000)
        app.conversations.close()


def send(qtbot: QtBot, window: MainWindow, text: str, timeout: int = 60_000) -> None:
    """Type a message, press Enter and wait until the answer is complete."""
    window.chat.composer.setPlainText(text)
    with qtbot.waitSignal(window.chat.answerFinished, timeout=timeout):
        window.chat.composer.submitted.emit()


def answer_boxes(monkeypatch: pytest.MonkeyPatch, *labels: str) -> list[QMessageBox]:
    """Answer each message box shown by clicking the button labelled with the next of
    ``labels`` (the last one answers the rest); the boxes are kept in the list
    returned, in order."""
    shown: list[QMessageBox] = []
    waiting = list(labels)

    def exec_(box: QMessageBox) -> int:
        shown.append(box)
        label = waiting.pop(0) if len(waiting) > 1 else waiting[0]
        texts = [button.text() for button in box.buttons()]
        assert label in texts, f"no {label!r} button in {texts}"
        next(b for b in box.buttons() if b.text() == label).click()
        return box.result()

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown
