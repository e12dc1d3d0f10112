"""Paste a text to summarize, with a name for it."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class PasteDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Paste text to summarize")
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName("Text to summarize")
        self.edit.setPlainText(QGuiApplication.clipboard().text())
        self.name = QLineEdit("Pasted text")
        self.name.setAccessibleName("Name")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.edit, 1)
        layout.addWidget(buttons)
        self.resize(700, 500)

    @classmethod
    def ask(cls, parent: QWidget) -> tuple[str, str] | None:
        """(text, name), or None when cancelled."""
        dialog = cls(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.edit.toPlainText(), dialog.name.text().strip() or "Pasted text"
