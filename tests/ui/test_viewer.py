"""The page viewer as people expect one: it fits the screen, a page fits the width and
zooms, the marked passage is in view, and the keys turn the pages (a real PDF, rendered
by the real child)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from hushdesk import assets
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.document_viewer import DocumentViewer, fitted_size


def test_the_viewer_fits_a_laptop_screen() -> None:
    laptop = QRect(0, 0, 1366, 768 - 40)  # a 1366×768 screen less its task bar
    size = fitted_size(laptop)
    assert size.width() <= 1366
    assert size.height() <= 728
    assert fitted_size(QRect(0, 0, 2560, 1400)).height() == 1000  # room: its own size


def test_a_page_fits_the_width_zooms_and_turns_with_the_keys(qtbot: QtBot) -> None:
    sample = assets.read_toml("samples", "sample.toml")
    tasks = Tasks()
    pdf = str(assets.path("samples", sample["file"]))
    viewer = DocumentViewer(tasks, pdf, 2, "This agreement is governed by the laws of Ireland")
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.page_count > 0, timeout=30_000)
    primary = [
        b.text() for b in viewer.findChildren(QPushButton) if b.isDefault() or b.autoDefault()
    ]
    assert primary == []  # no bar button drawn as the dialog's default
    room = viewer.pages_view.viewport().width()
    fitted = viewer.image.pixmap().width()
    assert room - 40 <= fitted <= room  # fits the width
    qtbot.keyClick(viewer, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.image.pixmap().width() > fitted * 1.2
    qtbot.keyClick(viewer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.image.pixmap().width() == fitted
    if viewer.highlighted:  # the marked passage is scrolled into view
        mark = viewer._marks[0]
        zoom = fitted / viewer._page_image.width()
        top = viewer.pages_view.verticalScrollBar().value()
        assert top <= mark.top() * zoom <= top + viewer.pages_view.viewport().height()
    qtbot.keyClick(viewer, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: viewer.where.text().startswith("Page 1 of"), timeout=30_000)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: viewer.where.text().startswith("Page 2 of"), timeout=30_000)
    tasks.wait(10_000)


def test_a_spreadsheet_row_opens_as_its_sheet_and_row(qtbot: QtBot) -> None:
    tasks = Tasks()
    row = 'Sheet "Rents", row 7 — Tenant: Acme Ltd; Monthly rent: 1,250.00'
    viewer = DocumentViewer(
        tasks,
        "/nowhere/rents.xlsx",
        6,
        row,
        paginated=False,
        section_text=row,
        label="sheet <b>Rents</b>, row 7",  # a sheet's name is the file's words
    )
    qtbot.addWidget(viewer)
    assert viewer.where.text() == "Sheet <b>Rents</b>, row 7"
    assert viewer.where.textFormat() == Qt.TextFormat.PlainText
    assert viewer.stack.currentWidget() is viewer.text
    assert viewer.highlighted == 1
    tasks.wait(10_000)
