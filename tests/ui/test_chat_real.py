"""The chat window on the real starter model, real SQLite and real widgets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.assistant.chat_store import ConversationStore
from hushdesk.ui.main_window import MainWindow
from tests.keys import vault_key
from tests.ui.conftest import MakeWindow, send

pytestmark = pytest.mark.slow

STORY = "Write a very long story about a lighthouse keeper and the sea."


@pytest.fixture
def real_window(make_window: MakeWindow) -> Iterator[MainWindow]:
    app = App()
    app.settings.sampling.seed = 11
    window = make_window(app=app)
    yield window
    window.chat.stop()
    window.tasks.wait(30_000)
    app.close()


def test_answer_streams_into_the_view_without_blocking_the_gui(
    qtbot: QtBot, real_window: MainWindow
) -> None:
    chat = real_window.chat
    chunks: list[str] = []
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    ticker = QTimer(interval=5)

    def tick() -> None:
        gaps.append(clock.restart())

    ticker.timeout.connect(tick)
    chat.view.textChanged.connect(lambda: chunks.append(chat.view.streamed_text))
    chat.chat.session.params = chat.app.runtime.sampling(None, max_tokens=120, temperature=0.7)
    ticker.start()
    send(qtbot, real_window, "Write a short poem about the sea.")
    ticker.stop()
    assert chat.conversation_id is not None
    saved = chat.conversations.store.messages(chat.conversation_id)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[1].content.strip()
    assert saved[1].status == "complete"
    assert len({c for c in chunks if c}) >= 3, "the answer did not stream in pieces"
    assert saved[1].content.strip()[:20] in chat.view.toPlainText()
    # The event loop kept turning: no gap between 5 ms ticks longer than 100 ms.
    assert max(gaps[3:]) < 100, f"GUI blocked for {max(gaps[3:])} ms"


def test_stop_keeps_the_partial_answer(qtbot: QtBot, real_window: MainWindow) -> None:
    chat = real_window.chat
    chat.chat.session.params = chat.app.runtime.sampling(None, max_tokens=1500, repeat_penalty=1.0)
    chat.composer.setPlainText(STORY)
    with qtbot.waitSignal(chat.answerFinished, timeout=120_000):
        chat.composer.submitted.emit()
        qtbot.waitUntil(lambda: len(chat.view.streamed_text) > 40, timeout=60_000)
        qtbot.keyClick(real_window, Qt.Key.Key_Escape)
    assert chat.conversation_id is not None
    answer = chat.conversations.store.messages(chat.conversation_id)[-1]
    assert answer.role == "assistant"
    assert answer.status == "stopped"
    assert len(answer.content) > 40
    assert "stopped" in chat.view.toPlainText()


APP_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from hushdesk import privacy
    privacy.apply()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from hushdesk.app import App
    from hushdesk.ui.application import create_app
    from hushdesk.ui.main_window import MainWindow

    qt = create_app()
    app = App()
    window = MainWindow(app)
    window.show()
    chat = window.chat
    state = {"turn": 0}

    def next_turn():
        state["turn"] += 1
        if state["turn"] == 1:
            chat.chat.session.params = app.runtime.sampling(None, max_tokens=24)
            chat.composer.setPlainText("Say hello to Ada.")
        else:
            params = app.runtime.sampling(None, max_tokens=2000, repeat_penalty=1.0)
            chat.chat.session.params = params
            chat.composer.setPlainText("Write a very long story about the sea.")
        chat.send()
        if state["turn"] == 2:
            chat.view.textChanged.connect(on_text)  # from the first chunk of this answer

    def on_text():
        if state["turn"] == 2 and len(chat.view.streamed_text) > 20:
            print("STREAMING", app.runtime.engine.pid, flush=True)
            chat.view.textChanged.disconnect(on_text)

    chat.answerFinished.connect(lambda: QTimer.singleShot(0, next_turn) if state["turn"] == 1
                                else None)
    QTimer.singleShot(0, next_turn)
    qt.exec()
    """
)


def test_kill_9_mid_answer_loses_no_completed_message(cli_env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", APP_SCRIPT],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("STREAMING"), process.stderr.read() if process.stderr else line
    engine_pid = int(line.split()[1])
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)  # reaps it and closes the pipes

    database = Path(cli_env["HUSHDESK_HOME"]) / "data" / "conversations.sqlite"
    history = ConversationStore(vault_key("conversations"), database)
    assert history._rows("PRAGMA integrity_check")[0][0] == "ok"
    assert history.recovered_from is None
    (conversation,) = history.conversations()
    messages = history.messages(conversation.id)
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert messages[0].content == "Say hello to Ada."
    assert messages[1].content.strip()
    assert messages[1].status == "complete"
    history.close()

    # The orphaned engine child notices and exits instead of running on.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if psutil.Process(engine_pid).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the engine child kept running after the app was killed")
