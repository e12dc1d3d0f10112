"""Documents → Shared library…, as a colleague meets it: a library another profile
ingested on the firm's Chroma server (``chroma run`` on 127.0.0.1) is taken, searched
with page links, and marked when the server is gone — its copy still answering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.services import shared
from hushdesk.ui.widgets.connections_box import ConnectionDialog
from tests.integration.test_library import contract
from tests.servers import free_port, serving
from tests.ui.conftest import MakeWindow

pytestmark = pytest.mark.slow


def test_a_colleagues_library_is_searched_and_cited(
    qtbot: QtBot,
    make_window: MakeWindow,
    tmp_path: Path,
    passphrase_file: Path,
    hushdesk_cmd: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    chroma = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(tmp_path / "db"),
              "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    ann = dict(os.environ, HUSHDESK_HOME=str(tmp_path / "ann"),
               HUSHDESK_PASSPHRASE_FILE=str(passphrase_file))  # fmt: skip
    document = contract(tmp_path / "lease.pdf")
    monkeypatch.setattr(shared, "REFRESH_S", 0.0)  # every look re-checks the server
    with serving(chroma, f"{server}/api/v2/heartbeat") as process:
        for args in (("libraries", "add", "Smith lease", "--server", server),
                     ("ingest", "--library", "Smith lease", str(document))):  # fmt: skip
            subprocess.run([*hushdesk_cmd, *args], env=ann, check=True, capture_output=True,
                           timeout=600)  # fmt: skip

        window = make_window(app=App())
        page = window.page("documents")
        monkeypatch.setattr(ConnectionDialog, "exec", lambda _self: QDialog.DialogCode.Accepted)
        monkeypatch.setattr(
            ConnectionDialog, "values", lambda _self: ("Smith lease", server, "", None)
        )
        page.share_library()
        qtbot.waitUntil(lambda: "is shared" in page.status.text(), timeout=120_000)
        assert "1 received" in page.status.text()
        assert page.side.list.currentItem().text() == "Smith lease · shared (127.0.0.1)"
        qtbot.waitUntil(lambda: "shared through 127.0.0.1" in page.title.text())

        page.finder.query.setText("How long is the notice period?")
        page.finder.query.returnPressed.emit()
        qtbot.waitUntil(
            lambda: (
                page.finder.results.count() > 0
                and page.finder.results.item(0).text() != "Searching…"
            ),
            timeout=30_000,
        )
        first = page.finder.results.item(0)
        assert first.text().startswith("lease.pdf, page 3")
        hit = first.data(0x0100)
        viewer = page.open_document(
            hit.file.path, hit.chunk.page, hit.chunk.text, True, hit.file.id
        )
        qtbot.addWidget(viewer)
        qtbot.waitUntil(lambda: viewer.highlighted > 0, timeout=30_000)  # the passage, marked
        process.terminate()
        process.wait(30)

    page.refresh_libraries()  # looking at it again: the server is gone
    qtbot.waitUntil(lambda: "server unreachable" in page.title.text(), timeout=60_000)
    assert window.app.documents.search(page.library, "notice period").hits[0].chunk.page == 3
    window.tasks.wait(30_000)
