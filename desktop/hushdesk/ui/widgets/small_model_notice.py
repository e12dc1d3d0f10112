"""Said under a result whose model was too small for the task (the result's typed
``model_struggled``): what happened, in the words every page and the command line use
(``services.notices``), and a way to a larger model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from hushdesk.services.notices import StruggledAt, too_small


class SmallModelNotice(QFrame):
    modelsRequested = Signal()  # the Models page, where the recommended model is

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setAccessibleName("Model too small")
        self.label = QLabel("")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.button = QPushButton("See the recommended model")
        self.button.setAccessibleName("See the recommended model on the Models page")
        self.button.clicked.connect(self.modelsRequested)
        row = QHBoxLayout(self)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.hide()

    def show_for(self, task: StruggledAt | None) -> None:
        """Said for ``task``, or hidden (``None``: the model did the work)."""
        if task is None:
            self.hide()
            return
        self.label.setText(f"⚠ {too_small(task)}.")
        self.show()
