"""A long job's progress: a bar, the stage with percent and time left, and a stop
button. Shown while the job runs, hidden otherwise."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from hushdesk.jobs import Progress


class JobBar(QWidget):
    def __init__(self, name: str, *, stop: str, stop_name: str) -> None:
        super().__init__()
        self.bar = QProgressBar()
        self.bar.setAccessibleName(name)
        self.bar.setRange(0, 1000)
        self.label = QLabel("")
        self.stop = QPushButton(stop)
        self.stop.setAccessibleName(stop_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.stop)
        self.hide()

    def start(self, text: str) -> None:
        self.bar.setValue(0)
        self.label.setText(text)
        self.show()

    def show_progress(self, progress: Progress) -> None:
        self.bar.setValue(int((progress.fraction or 0.0) * 1000))
        self.label.setText(progress.describe())
