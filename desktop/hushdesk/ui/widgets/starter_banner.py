"""A slim banner over the chat while the starter model answers: it is for trying the
app, and the model recommended for this computer is one click away. Dismissible. When
that download cannot start, the banner says why and what else to do (``show_trouble``)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QToolButton, QVBoxLayout, QWidget

from hushdesk.ui.icons import icon
from hushdesk.ui.safe_text import rich_label
from hushdesk.ui.widgets.download_trouble import DownloadTrouble

if TYPE_CHECKING:  # the model services load after the window is up
    from hushdesk.services.models import Recommendation


class StarterBanner(QFrame):
    getRequested = Signal(str, str)  # the recommended model's catalog id, quantization
    importRequested = Signal(str)  # after a failed download: "file", "ollama", "lmstudio"
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAccessibleName("About the starter model")
        self.recommendation: Recommendation | None = None
        self.text = rich_label("")
        self.text.setWordWrap(True)
        self.get = QPushButton("Get it")
        self.get.setProperty("role", "primary")
        self.get.setAccessibleName("Download the recommended model")
        self.get.hide()
        self.close_button = QToolButton()
        self.close_button.setIcon(icon("x"))
        self.close_button.setIconSize(QSize(14, 14))
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName("Hide this message")
        self.close_button.setToolTip("Hide this message (the Models page still recommends)")
        self.trouble = DownloadTrouble()
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.get, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 6, 6, 6)
        column.addLayout(row)
        column.addWidget(self.trouble)
        self.trouble.importRequested.connect(self.importRequested)
        self.trouble.kept.connect(self.trouble.hide)
        self.get.clicked.connect(self._get)
        self.close_button.clicked.connect(self._dismiss)
        self.show_recommendation(None)

    def show_recommendation(self, pick: Recommendation | None) -> None:
        self.recommendation = pick
        text = (
            "<b>You are trying Hushdesk with its starter model.</b> It is tiny and fast, "
            "and its answers are often wrong."
        )
        if pick is not None:
            from hushdesk.services.models import GB

            size = pick.file.size_bytes / GB
            text += (
                f" For real work, this computer can run <b>{html.escape(pick.model.name)}</b> "
                f"({size:.1f} GB, about {pick.fit.tokens_per_s:.0f} tokens/s)."
            )
        self.text.setText(text)
        self.get.setVisible(pick is not None)

    def _get(self) -> None:
        pick = self.recommendation
        if pick is not None:
            self.trouble.hide()
            self.getRequested.emit(pick.model.id, pick.file.quantization)

    def show_trouble(self, text: str) -> None:
        """The download it asked for could not start: why, and what else to do."""
        self.trouble.show_trouble(text)

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
