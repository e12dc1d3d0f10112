"""Search one library: the query, the passages found; activating one opens it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from hushdesk.services.documents import Hit, SearchResult


class LibrarySearch(QWidget):
    searchRequested = Signal(str)
    openRequested = Signal(object)  # a Hit

    def __init__(self) -> None:
        super().__init__()
        self.query = QLineEdit()
        self.query.setAccessibleName("Search this library")
        self.query.setPlaceholderText("Search this library (Enter); double-click to open a result")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        self.query.returnPressed.connect(self._search)
        self.results.itemActivated.connect(self._open)

    def _search(self) -> None:
        text = self.query.text().strip()
        if text:
            self.results.clear()
            self.results.addItem("Searching…")
            self.searchRequested.emit(text)

    def show_result(self, result: SearchResult) -> None:
        self.results.clear()
        if result.abstain:
            self.results.addItem("Nothing in this library looks relevant.")
            return
        for hit in result.hits:
            text = " ".join(hit.chunk.text.split())
            item = QListWidgetItem(f"{hit.where}\n{text[:220]}…")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            item.setToolTip(text)
            self.results.addItem(item)

    def show_error(self, text: str) -> None:
        self.results.clear()
        self.results.addItem(text)

    def _open(self, item: QListWidgetItem) -> None:
        hit: Hit | None = item.data(Qt.ItemDataRole.UserRole)
        if hit is not None:
            self.openRequested.emit(hit)
