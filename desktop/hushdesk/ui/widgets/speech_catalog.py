"""The Models page's speech models: the catalog of faster-whisper models (the bundled
tiny.en first) with languages, size, licence and how long an hour of audio takes on this
computer; download one, or import a model folder. Which one hears recordings and
dictation is chosen in the Installed list (Set as default) or in Settings → Speech."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.models import CatalogSpeech
from hushdesk.ui.safe_text import rich_label


def hour_of_audio(rtf: float) -> str:
    """ "An hour of audio in about 4 min here", from a real-time factor."""
    minutes = rtf * 60
    if minutes >= 60:
        return f"Slower than real time here: an hour of audio takes about {minutes / 60:.1f} h."
    return f"An hour of audio in about {max(1, round(minutes))} min here."


class SpeechCatalog(QGroupBox):
    downloadRequested = Signal(str, str)  # catalog id, "" (one file set, no quantization)
    importRequested = Signal()

    def __init__(self, entries: tuple[CatalogSpeech, ...], parent: QWidget | None = None) -> None:
        super().__init__("Speech models (recordings and dictation)", parent)
        self.buttons: dict[str, QPushButton] = {}
        self.speeds: dict[str, QLabel] = {}
        self.locked = ""  # why downloads are locked (the firm's policy), or ""
        self._bundled = {e.id for e in entries if e.bundled}
        grid = QGridLayout()
        for row, entry in enumerate(entries):
            facts = rich_label(
                f"<b>{html.escape(entry.name)}</b> · {html.escape(entry.languages)} · "
                f"{entry.size_bytes / 1e6:,.0f} MB · {html.escape(entry.license)}<br>"
                f"{html.escape(entry.good_for)}"
            )
            facts.setWordWrap(True)
            speed = QLabel("")
            speed.setProperty("role", "muted")
            speed.setAccessibleName(f"Speed of {entry.name}")
            button = QPushButton("Bundled" if entry.bundled else "Download")
            button.setAccessibleName(f"Download {entry.name}")
            button.setEnabled(not entry.bundled)
            button.clicked.connect(lambda _c=False, i=entry.id: self.downloadRequested.emit(i, ""))
            grid.addWidget(facts, row, 0)
            grid.addWidget(speed, row, 1)
            grid.addWidget(button, row, 2)
            self.buttons[entry.id], self.speeds[entry.id] = button, speed
        grid.setColumnStretch(0, 1)
        import_button = QPushButton("Import a model folder…")
        import_button.setAccessibleName("Import a speech model folder")
        import_button.setToolTip("A faster-whisper (CTranslate2) model's folder")
        import_button.clicked.connect(self.importRequested)
        note = QLabel(
            "Speech is transcribed on this computer. To change which model hears you, "
            "select it under Installed and press Set as default."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(bottom)

    def show_speeds(self, speeds: dict[str, float]) -> None:
        """Each model's real-time factor here (seconds of work per second of speech)."""
        for model_id, rtf in speeds.items():
            if model_id in self.speeds:
                self.speeds[model_id].setText(hour_of_audio(rtf))

    def mark_installed(self, installed: set[str]) -> None:
        for model_id, button in self.buttons.items():
            if model_id in self._bundled:
                continue
            done = model_id in installed
            button.setText("Installed" if done else "Download")
            button.setEnabled(not done and not self.locked)
            button.setToolTip(self.locked)
