"""In the window: adding a server over plain http:// to another computer is refused
unless "Allow unencrypted" is ticked (off by default); once allowed, the connection list
and the status area's "where words are computed" say "unencrypted" for good."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from hushdesk import privacy
from hushdesk.engine.server import Remote, RemoteModel
from hushdesk.services.shared import SharedState
from hushdesk.ui.widgets.connections_box import ConnectionDialog, shared_where
from tests.ui.conftest import MakeWindow

URL = "http://192.0.2.55:8000/v1"


def test_plain_http_elsewhere_needs_the_box_ticked_and_is_badged(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def models(remote: Remote) -> list[RemoteModel]:
        asked.append("asked")
        return [RemoteModel("smollm", 4096, True)]

    monkeypatch.setattr(Remote, "models", models)
    window = make_window()
    box = window.page("models").connections_box
    dialog = ConnectionDialog(box)
    qtbot.addWidget(dialog)
    assert not dialog.allow_unencrypted.isChecked()  # off by default
    ticked = [False]

    def accepted(self: ConnectionDialog) -> QDialog.DialogCode:
        self.name.setText("team")
        self.url.setText(URL)
        self.allow_unencrypted.setChecked(ticked[0])
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConnectionDialog, "exec", accepted)
    box.add()
    qtbot.waitUntil(lambda: "unencrypted" in box.status.text(), timeout=10_000)
    assert "Refused" in box.status.text()
    assert asked == []
    assert privacy.blocked_attempts() == []
    assert box.table.rowCount() == 0
    ticked[0] = True
    box.add()
    qtbot.waitUntil(lambda: "team answers" in box.status.text(), timeout=10_000)
    address = box.table.item(0, 1)
    assert address is not None
    assert "unencrypted" in address.text()
    model = window.app.runtime.remote_model("team/smollm")
    window.status_area.show_model(model)
    assert "unencrypted" in window.status_area.model.text()


def test_a_shared_library_on_plain_http_is_badged() -> None:
    state = SharedState("Lease", "192.0.2.55", 0.0, "", unencrypted=True)
    assert shared_where(state) == "192.0.2.55 · ⚠ unencrypted"
    assert shared_where(SharedState("Lease", "chroma.firm", 0.0, "")) == "chroma.firm"
