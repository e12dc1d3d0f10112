"""A reasoning model's answer in the chat: its thinking under one collapsed line
("Thought for …") that opens and closes, the answer apart, and none of the thinking in
what the next question sends, in the copy or in the saved answer's text; the thinking
switch kept with the conversation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, send

THOUGHT = "Six sevens are forty-two, so the answer is 42."
REPLY = f"<think>\n{THOUGHT}\n</think>\n\nIt is 42."


@pytest.mark.qt_log_ignore("does not support")  # the offscreen platform
def test_the_thinking_is_folded_away_and_opens_on_request(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    engine = FakeEngine(reply=REPLY)
    window = make_window(engine)
    send(qtbot, window, "What is six times seven?")
    view = window.chat.view
    shown = view.toPlainText()
    assert "It is 42." in shown
    assert "Thought for" in shown
    assert THOUGHT not in shown  # folded away
    turn = window.chat.chat.turns[-1]
    assert (turn.content, turn.reasoning) == ("It is 42.", THOUGHT)

    view.anchorClicked.emit(QUrl(f"think:{turn.id}"))
    assert THOUGHT in view.toPlainText()
    view.anchorClicked.emit(QUrl(f"think:{turn.id}"))
    assert THOUGHT not in view.toPlainText()

    send(qtbot, window, "And doubled?")
    sent = " ".join(m.content for m in engine.requests[-1])
    assert "It is 42." in sent
    assert "Six sevens" not in sent  # the thinking never goes back to the model

    window.chat._copy_turn(turn.id)
    assert QGuiApplication.clipboard().text() == "It is 42."
    reopened = window.app.conversations.open(window.chat.chat.id)
    assert reopened.turns[1].reasoning == THOUGHT  # kept, encrypted, with the answer


def test_the_thinking_switch_is_the_conversations(qtbot: QtBot, make_window: MakeWindow) -> None:
    from hushdesk.settings import SamplingSettings
    from hushdesk.ui.widgets.conversation_settings import ConversationSettings

    dialog = ConversationSettings("general", None, {"thinking": True}, SamplingSettings())
    qtbot.addWidget(dialog)
    assert dialog.thinking.currentText() == "On"
    dialog.thinking.setCurrentIndex(dialog.thinking.findData("off"))
    _persona, _prompt, sampling = dialog.values()
    assert sampling == {"thinking": False}

    engine = FakeEngine(reply="Fine.")
    window = make_window(engine)
    send(qtbot, window, "Hello")
    window.app.conversations.configure(window.chat.chat, sampling=sampling)
    send(qtbot, window, "Again, without thinking")
    assert engine.params[-1].thinking is False
    assert window.app.conversations.open(window.chat.chat.id).setup.sampling == sampling
