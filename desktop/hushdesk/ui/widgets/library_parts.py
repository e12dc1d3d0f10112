"""The widgets of the Documents page: the list of libraries, and the body (the
library's title, actions, matching model, files, indexing bar, status, search)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.ui.messages import status_label
from hushdesk.ui.safe_text import rich_label
from hushdesk.ui.widgets.combo import ElidedCombo
from hushdesk.ui.widgets.file_table import FileTable
from hushdesk.ui.widgets.job_bar import JobBar
from hushdesk.ui.widgets.library_search import LibrarySearch

ACTIONS = (
    "Add files…",
    "Add folder…",
    "Watch a folder…",
    "Remove file",
    "Summarize",
    "Enter password…",
)


class LibraryList(QWidget):
    chosen = Signal(object)  # a library's name, or None
    newRequested = Signal()
    shareRequested = Signal()
    deleteRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.list = QListWidget()
        self.list.setAccessibleName("Libraries")
        self.list.currentItemChanged.connect(
            lambda item, _old: self.chosen.emit(self.name_of(item))
        )
        side = QVBoxLayout(self)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(rich_label("<b>Libraries</b>"))
        side.addWidget(self.list, 1)
        for text, signal in (
            ("New library…", self.newRequested),
            ("Shared library…", self.shareRequested),
            ("Delete library…", self.deleteRequested),
        ):
            button = QPushButton(text)
            button.setAccessibleName(text.rstrip("…"))
            button.clicked.connect(signal)
            side.addWidget(button)

    @staticmethod
    def name_of(item: QListWidgetItem | None) -> str | None:
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def fill(
        self, names: list[str], current: str | None, shared: dict[str, str] | None = None
    ) -> str | None:
        """Show ``names`` with ``current`` (else the first) selected; returns it. Those in
        ``shared`` are marked with their server's host."""
        self.list.blockSignals(True)
        self.list.clear()
        for name in names:
            host = (shared or {}).get(name)
            item = QListWidgetItem(f"{name} · shared ({host})" if host else name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        return self.name_of(self.list.currentItem())


class LibraryBody(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.title = rich_label("")
        self.title.setWordWrap(True)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for text in ACTIONS:
            button = self.buttons[text] = QPushButton(text)
            button.setAccessibleName(text.rstrip("…"))
            buttons.addWidget(button)
        self.buttons["Summarize"].setToolTip(
            "Summarize the selected document, with page references"
        )
        self.embedding = ElidedCombo(16)
        self.embedding.setAccessibleName("Embedding model of this library")
        self.embedding.setToolTip(
            "How passages are matched to questions; changing it re-indexes the library"
        )
        buttons.addStretch(1)
        heading = QHBoxLayout()  # the library, and how its passages are matched
        heading.addWidget(self.title, 1)
        heading.addWidget(QLabel("Matching:"))
        heading.addWidget(self.embedding)
        self.table = FileTable()
        self.running = JobBar(
            "Indexing progress",
            stop="Cancel",
            stop_name="Cancel indexing",
            pausable=True,
            pause_name="Pause indexing",
        )
        self.running.pause.setToolTip("Stops after the current step; Resume continues from there")
        self.running.stop.setToolTip("Stops and takes the files not indexed yet out of the library")
        self.status = status_label("Drop files or folders here to add them.")
        self.finder = LibrarySearch()
        body = QVBoxLayout(self)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(heading)
        body.addLayout(buttons)
        body.addWidget(self.table, 3)
        body.addWidget(self.running)
        body.addWidget(self.status)
        body.addWidget(self.finder, 2)

    def enable(self, on: bool) -> None:
        for widget in (*self.buttons.values(), self.finder):
            widget.setEnabled(on)

    def show_models(self, models: list[tuple[str, str]], current: str) -> None:
        self.embedding.clear()
        for name, model_id in models:
            self.embedding.addItem(name, model_id)
        self.show_model(current)

    def show_model(self, model_id: str) -> None:
        self.embedding.setCurrentIndex(max(0, self.embedding.findData(model_id)))
