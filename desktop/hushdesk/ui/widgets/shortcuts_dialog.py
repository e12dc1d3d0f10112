"""Help → Keyboard shortcuts: every shortcut of the app in one table of plain text,
grouped by where it works (the only list of them, so it is kept with the code that
binds them: ``MainWindow._shortcuts`` and the page viewer)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Anywhere", (
        ("Ctrl+1 … Ctrl+7", "Chat, Documents, Summarize, Review, Email, Models, Settings"),
        ("Ctrl+Shift+M", "Open another matter"),
        ("Ctrl+Shift+L", "Lock Hushdesk now"),
    )),
    ("Chat", (
        ("Ctrl+N", "New chat"),
        ("Ctrl+Shift+N", "New temporary chat (never written to disk)"),
        ("Ctrl+K", "Switch to another chat"),
        ("Ctrl+F", "Search all chats"),
        ("Ctrl+L", "Type a message"),
        ("Enter", "Send"),
        ("Shift+Enter", "New line"),
        ("Esc", "Stop the answer"),
        ("Ctrl+Shift+D", "Dictate into the box (again to stop); also in emails and writing tools"),
    )),
    ("Page viewer", (
        ("Ctrl++ / Ctrl+−", "Zoom in / out"),
        ("Ctrl+0", "Fit the page to the width"),
        ("→ or Page Down, ← or Page Up", "Next / previous page"),
        ("Home / End", "First / last page"),
        ("Esc", "Close"),
    )),
)  # fmt: skip


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        heading = QLabel("Keyboard shortcuts")
        heading.setProperty("role", "title")
        rows = [(group, keys, what) for group, keys_list in SHORTCUTS for keys, what in keys_list]
        self.table = QTableWidget(len(rows), 3)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        for row, (group, keys, what) in enumerate(rows):
            first = row == 0 or rows[row - 1][0] != group  # the group named once
            for column, text in enumerate((group if first else "", keys, what)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 480)

    def text(self) -> str:
        """What the dialog says, as plain text (for tests and screen readers)."""
        items = (self.table.item(r, c) for r in range(self.table.rowCount()) for c in range(3))
        return "\n".join(item.text() for item in items if item is not None)
