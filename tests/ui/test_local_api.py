"""Settings → Local API: the window serves the API on 127.0.0.1 with a token, over its
own App, so a program's questions take turns with the user's chats in arrival order."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from hushdesk.ui.main_window import MainWindow
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, send


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(
    window: MainWindow, path: str, body: dict[str, Any] | None = None, token: str = ""
) -> Any:
    api = window.local_api
    request = urllib.request.Request(
        api.address.removesuffix("/v1") + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {token or api.token()}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def _serve(qtbot: QtBot, window: MainWindow, port: int) -> None:
    page = window.page("settings")
    page.api_port.setValue(port)
    page.api_on.click()
    qtbot.waitUntil(lambda: window.local_api.state in ("on", "failed"), timeout=30_000)


def test_the_switch_serves_with_a_token_and_remembers(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    port = _free_port()
    _serve(qtbot, window, port)
    page = window.page("settings")
    assert window.local_api.state == "on", page.api_state.text()
    assert page.api_address.text() == f"http://127.0.0.1:{port}/v1"
    assert "Serving" in page.api_state.text()
    assert window.status_area.api.isVisible()
    assert f":{port}" in window.status_area.api.text()
    models = _call(window, "/v1/models")
    assert any(m["kind"] == "chat" for m in models["data"])

    assert page.api_token.echoMode() == page.api_token.EchoMode.Password  # hidden, yet copied
    buttons = page.findChildren(QPushButton)
    copy = next(b for b in buttons if b.accessibleName() == "Copy the token")
    copy.click()
    assert QApplication.clipboard().text() == window.local_api.token()

    old = window.local_api.token()
    window.local_api.new_token()
    qtbot.waitUntil(
        lambda: window.local_api.state == "on" and not window.local_api._working, timeout=30_000
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        _call(window, "/v1/models", token=old)
    assert refused.value.code == 401
    refused.value.close()
    assert _call(window, "/v1/models")["object"] == "list"
    assert window.app.preferences.api_serving == (True, port)  # on again at the next start

    page.api_on.click()  # off
    qtbot.waitUntil(
        lambda: window.local_api.state == "off" and not window.local_api._working, timeout=30_000
    )
    assert not window.status_area.api.isVisible()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))  # no one listens there any more
        sock.listen(1)


def test_a_port_in_use_is_said_clearly(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        _serve(qtbot, window, taken.getsockname()[1])
        assert window.local_api.state == "failed"
        page = window.page("settings")
        assert "already in use" in page.api_state.text()
        assert window.status_area.api.text() == "API stopped"


def test_a_program_and_the_window_take_turns_in_arrival_order(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    engine = FakeEngine()
    window = make_window(engine)
    _serve(qtbot, window, _free_port())
    assert window.local_api.state == "on"
    turns = window.app.runtime.shared.turns
    turns.acquire()  # the model is busy (as with a long answer)
    try:
        answers: list[Any] = []
        body = {"model": "default", "messages": [{"role": "user", "content": "from a script"}]}
        program = threading.Thread(
            target=lambda: answers.append(_call(window, "/v1/chat/completions", body))
        )
        program.start()
        qtbot.waitUntil(lambda: turns.waiting == 1, timeout=30_000)  # the program waits…
        window.chat.composer.setPlainText("from the window")
        window.chat.composer.submitted.emit()
        qtbot.waitUntil(lambda: turns.waiting == 2, timeout=30_000)  # …then the window
        assert window.chat.composer.isEnabled()  # the window is not blocked meanwhile
    finally:
        turns.release()
    program.join(30)
    qtbot.waitUntil(lambda: not window.chat.busy, timeout=30_000)
    asked = [r[-1].content for r in engine.requests]
    assert asked[:2] == ["from a script", "from the window"]
    assert answers[0]["choices"][0]["message"]["content"] == "echo: from a script"
    assert window.app.conversations.search("from a script") == []  # the API saves nothing
    send(qtbot, window, "again")
