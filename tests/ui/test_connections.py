"""Models → Connections, as a user meets it: add the firm's server, its model appears in
the chat's menu marked with its host, answers there, and a server that is gone says so
with the conversation kept. The server is llama-cpp-python's own, on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.ui.widgets.connections_box import ConnectionDialog
from tests.servers import free_port, llama_server, serving
from tests.ui.conftest import MakeWindow, send

pytestmark = pytest.mark.slow
TOKEN = "team-server-token-0123456789"


def test_a_server_model_answers_and_its_absence_is_said(
    qtbot: QtBot, make_window: MakeWindow, starter_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    window = make_window(app=App())
    with serving(llama_server(str(starter_model), port, api_key=TOKEN), f"{url}/models") as server:
        page = window.page("models")
        box = page.connections_box
        monkeypatch.setattr(ConnectionDialog, "exec", lambda _self: QDialog.DialogCode.Accepted)
        monkeypatch.setattr(ConnectionDialog, "values", lambda _self: ("team", url, TOKEN, None))
        box.add()
        qtbot.waitUntil(lambda: "team answers" in box.status.text(), timeout=30_000)
        assert box.table.rowCount() == 1
        menu = window.chat.model
        index = menu.findData("team/smollm")
        assert index >= 0
        assert menu.itemText(index) == "smollm · 127.0.0.1"
        menu.setCurrentIndex(index)
        menu.activated.emit(index)
        assert window.status_area.model.text() == "smollm · on 127.0.0.1"
        send(qtbot, window, "Say hello.")
        assert window.chat.chat.turns[-1].role == "assistant"
        assert window.chat.chat.turns[-1].content.strip()
        server.kill()
        server.wait(30)
    window.chat.composer.setPlainText("Are you there?")
    with qtbot.waitSignal(window.chat.answerFinished, timeout=60_000):
        window.chat.composer.submitted.emit()
    assert "Cannot reach the server team" in window.chat.status.text()
    assert [t.content for t in window.chat.chat.turns if t.role == "user"] == [
        "Say hello.",
        "Are you there?",
    ]
