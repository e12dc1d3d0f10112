"""The last question before all the data goes: what goes, and a button that names it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class WipeDialog(QDialog):
    """Delete all my data: what goes, and a button that says so, enabled once DELETE is
    typed (in any case: the intent is plain)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete all my data")
        what = QLabel(
            "This deletes all your conversations, document libraries, summaries, drafts, "
            "templates and settings from this computer, forgets the models you imported "
            "(your own files stay where they are) and closes Hushdesk. Downloaded models "
            "stay. It cannot be undone.\n\nType DELETE to go on:"
        )
        what.setWordWrap(True)
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Type DELETE to go on")
        buttons = QDialogButtonBox()
        keep = buttons.addButton("Keep my data", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setDefault(True)
        self.delete = buttons.addButton(
            "Delete everything", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete.setProperty("role", "danger")
        self.delete.setEnabled(False)
        self.typed.textChanged.connect(
            lambda text: self.delete.setEnabled(text.strip().upper() == "DELETE")
        )
        self.delete.clicked.connect(self.accept)
        keep.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (what, self.typed, buttons):
            layout.addWidget(widget)
        self.typed.setFocus()
