"""The files of a library with their status and notes (why a file failed)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from hushdesk.services.documents import FileRecord, length

STATUS_TEXT = {
    "queued": "Queued",
    "parsing": "Reading…",
    "embedding": "Indexing…",
    "done": "Ready",
    "failed": "Failed",
    "unchanged": "Ready",
    "duplicate": "Ready (duplicate)",
}
COLUMNS = ("File", "Type", "Length", "Status", "Notes")
STATUS = COLUMNS.index("Status")


class FileTable(QTableWidget):
    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setAccessibleName("Files in the library")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.indexing = False  # while not, an interrupted step shows as queued

    def fill(self, files: list[FileRecord]) -> None:
        self.setRowCount(len(files))
        for row, record in enumerate(files):
            notes = record.error or "; ".join(record.warnings)
            kind = (record.kind or Path(record.path).suffix.lstrip(".")).upper()
            cells = (
                record.name,
                kind,
                length(record),
                self.status_text(record.status),
                notes,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, record.path)
                item.setToolTip(record.path if column == 0 else notes)
                self.setItem(row, column, item)
        self.resizeColumnsToContents()
        self.setColumnWidth(STATUS, max(self.columnWidth(STATUS), 130))  # "Indexing…" fits

    def status_text(self, status: str) -> str:
        if not self.indexing and status in ("parsing", "embedding"):
            status = "queued"  # an interrupted step: it starts over when indexing goes on
        return STATUS_TEXT.get(status, status)

    def cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.item(row, column)
        assert item is not None
        return item

    def set_status(self, path: str, status: str) -> None:
        for row in range(self.rowCount()):
            if self.cell(row, 0).data(Qt.ItemDataRole.UserRole) == path:
                self.cell(row, STATUS).setText(self.status_text(status))

    def selected_paths(self) -> list[str]:
        rows = {i.row() for i in self.selectedItems()}
        return [str(self.cell(r, 0).data(Qt.ItemDataRole.UserRole)) for r in sorted(rows)]
