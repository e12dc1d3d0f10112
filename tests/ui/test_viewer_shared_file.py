"""The document viewer never opens a colleague's file of a shared library in its
application: its name came from the server, and as a path it could name (and launch) a
program on this computer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.document_viewer import DocumentViewer


def test_a_shared_file_has_no_open_button_even_when_its_name_is_a_path_here(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "calc.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "shared:127.0.0.1" / "abcdef").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    path = "shared:127.0.0.1/abcdef/../../calc.pdf"  # a name as a hostile server gave it
    assert Path(path).exists()
    opened: list[object] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    tasks = Tasks()
    viewer = DocumentViewer(tasks, path, 1, "notice", section_text="The notice period.")
    qtbot.addWidget(viewer)
    button = next(
        b for b in viewer.findChildren(QPushButton) if b.text() == "Open in its application"
    )
    assert not button.isVisibleTo(viewer)
    button.click()
    assert opened == []
    assert viewer.stack.currentWidget() is viewer.text  # its text as indexed, not the file
    tasks.wait(10_000)
