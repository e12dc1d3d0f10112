"""The main window: a sidebar of pages. Pages not built yet say so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from hushdesk import APP_NAME

PAGES = (
    ("Chat", "Chat with a private model. Until this page lands, use `hushdesk chat`."),
    ("Documents", "Ask questions of your own documents, with citations. Coming soon."),
    ("Summarize", "Summaries of documents of any length. Coming soon."),
    ("Email", "Draft and reply to emails. Coming soon."),
    ("Models", "Browse, download and import models. Until then, `hushdesk models list`."),
    ("Settings", "Settings. Coming soon."),
)


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(1100, 720)
        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setFixedWidth(180)
        self.pages = QStackedWidget()
        for title, text in PAGES:
            self.nav.addItem(title)
            label = QLabel(f"<h2>{title}</h2><p>{text}</p>")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            self.pages.addWidget(label)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)
        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)
