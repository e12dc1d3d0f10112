"""A long job as the user sees it: an optional title, a bar, the stage with percent
and time left, and its buttons — Stop (or Cancel), and for jobs that can pause,
Pause ↔ Resume (Retry after an error). Every page's long work shows one of these."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from hushdesk.jobs import Progress
from hushdesk.ui.safe_text import rich_label


class JobBar(QWidget):
    pauseRequested = Signal()
    resumeRequested = Signal()  # also a retry after an error
    stopRequested = Signal()

    def __init__(
        self,
        name: str,
        *,
        stop: str = "Cancel",
        stop_name: str | None = None,
        title: str | None = None,
        pausable: bool = False,
        pause_name: str | None = None,
    ) -> None:
        super().__init__()
        self.title = title
        self.bar = QProgressBar()
        self.bar.setAccessibleName(name)
        self.bar.setRange(0, 1000)
        self.label = QLabel("")
        self.label.setAccessibleName(f"{name}: status")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # stages name files
        self.pause = QPushButton("Pause")
        self.pause.setAccessibleName(pause_name or f"Pause or resume: {name}")
        self.pause.setVisible(pausable)
        self.stop = QPushButton(stop)
        self.stop.setAccessibleName(stop_name or stop)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        if title is not None:
            layout.addWidget(rich_label(f"<b>{html.escape(title)}</b>"))
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.pause)
        layout.addWidget(self.stop)
        self.running = False
        self.pause.clicked.connect(
            lambda: self.pauseRequested.emit() if self.running else self.resumeRequested.emit()
        )
        self.stop.clicked.connect(self.stopRequested)
        self.hide()

    def start(self, text: str = "Starting…") -> None:
        self.set_running(True)
        self.bar.setValue(0)
        self.label.setText(text)
        self.label.setToolTip("")
        self.show()

    def set_running(self, running: bool) -> None:
        self.running = running
        self.pause.setText("Pause" if running else "Resume")

    def show_progress(self, progress: Progress) -> None:
        if progress.fraction is not None:
            self.bar.setValue(int(progress.fraction * 1000))
        text = progress.describe()
        if self.title and text.startswith(f"{self.title}: "):
            text = text[len(self.title) + 2 :]  # the title is shown already
        self.label.setText(text)

    def show_paused(self, text: str = "Paused", fraction: float | None = None) -> None:
        self.set_running(False)
        if fraction is not None:
            self.bar.setValue(int(fraction * 1000))
        self.label.setText(text)
        self.show()

    def show_error(self, message: str) -> None:
        self.set_running(False)
        self.pause.setText("Retry")
        self.label.setText(f"⚠ {message}")
        self.label.setToolTip(message)
        self.label.setWordWrap(True)
        self.show()
