"""One download on the Models page: progress, speed, time left, pause/resume, cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from hushdesk.jobs import Progress


class DownloadRow(QWidget):
    pauseRequested = Signal()
    resumeRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLabel(f"<b>{name}</b>")
        self.bar = QProgressBar()
        self.bar.setAccessibleName(f"Download progress of {name}")
        self.bar.setRange(0, 1000)
        self.status = QLabel("Preparing…")
        self.status.setAccessibleName(f"Download status of {name}")
        self.pause = QPushButton("Pause")
        self.pause.setAccessibleName(f"Pause or resume {name}")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName(f"Cancel download of {name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.name)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.pause)
        layout.addWidget(self.cancel)
        self.running = False
        self.pause.clicked.connect(
            lambda: self.pauseRequested.emit() if self.running else self.resumeRequested.emit()
        )
        self.cancel.clicked.connect(self.cancelRequested)

    def show_progress(self, progress: Progress) -> None:
        if progress.fraction is not None:
            self.bar.setValue(int(progress.fraction * 1000))
        self.status.setText(progress.label.split(": ", 1)[-1])

    def set_running(self, running: bool) -> None:
        self.running = running
        self.pause.setText("Pause" if running else "Resume")

    def show_paused(self, done: int, total: int) -> None:
        self.set_running(False)
        if total:
            self.bar.setValue(int(done / total * 1000))
        self.status.setText(f"Paused at {done / 1e6:,.0f} of {total / 1e6:,.0f} MB")

    def show_error(self, message: str) -> None:
        self.set_running(False)
        self.pause.setText("Retry")
        self.status.setText(f"⚠ {message}")
        self.status.setToolTip(message)
        self.status.setWordWrap(True)
