"""Settings → Speech: which speech model hears recordings, libraries and dictation, and in
which language; whether answers and drafts can be read aloud (off by default), how fast.
A faster-whisper model's folder (model.bin, config.json …) can be chosen beside the
models the Models page lists; a folder that is no speech model is refused with the
reason."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QWidget,
)

from hushdesk.errors import HushdeskError
from hushdesk.services.recordings import Recordings
from hushdesk.ui import file_dialogs
from hushdesk.ui.message_box import tell
from hushdesk.ui.widgets import read_aloud_button

# The languages offered for a multilingual model (Whisper hears ~99; these are the
# common ones here; "Detect" hears any of them).
LANGUAGES = (("Detect", ""), ("English", "en"), ("German", "de"), ("French", "fr"),
             ("Spanish", "es"), ("Italian", "it"), ("Dutch", "nl"), ("Portuguese", "pt"),
             ("Polish", "pl"), ("Swedish", "sv"))  # fmt: skip


class SpeechSettings(QGroupBox):
    def __init__(self, recordings: Recordings, parent: QWidget | None = None) -> None:
        super().__init__("Speech (recordings and dictation)", parent)
        self.recordings = recordings
        self.model = QComboBox()
        self.model.setAccessibleName("Speech model")
        self.model.activated.connect(lambda _i: self._use(str(self.model.currentData())))
        choose = QPushButton("Use a model folder…")
        choose.setToolTip("A faster-whisper model's folder, e.g. faster-whisper-small")
        choose.clicked.connect(self.choose_folder)
        self.language = QComboBox()
        self.language.setAccessibleName("Language spoken")
        for text, code in LANGUAGES:
            self.language.addItem(text, code)
        self.language.activated.connect(lambda _i: self._use(self.recordings.settings.speech.model))
        self.reading = QCheckBox("Offer to read answers and drafts aloud")
        self.reading.setToolTip("With an offline voice (espeak-ng); nothing leaves this computer.")
        self.speed = QComboBox()
        self.speed.setAccessibleName("Reading speed")
        for text, speed in (("Slower", "slower"), ("Normal", "normal"), ("Faster", "faster")):
            self.speed.addItem(text, speed)
        self.reading.toggled.connect(lambda _on: self._read_aloud())
        self.speed.activated.connect(lambda _i: self._read_aloud())
        form = QFormLayout(self)
        form.addRow("Speech model:", self.model)
        form.addRow("", choose)
        form.addRow("Language:", self.language)
        form.addRow("", QLabel("Recordings and dictation are transcribed on this computer."))
        more = QLabel("More speech models (base, small, large-v3-turbo): on the Models page.")
        more.setProperty("role", "muted")
        form.addRow("", more)
        form.addRow("Read aloud:", self.reading)
        form.addRow("Reading speed:", self.speed)
        self.refresh()

    def refresh(self) -> None:
        chosen = self.recordings.settings.speech
        self.model.clear()
        for model in self.recordings.speech_models():
            folder = "" if not chosen.model or model.path != Path(chosen.model) else chosen.model
            self.model.addItem(f"{model.name} ({model.languages})", folder)
        self.model.setCurrentIndex(max(0, self.model.findData(chosen.model)))
        multilingual = self.recordings.speech_model().multilingual
        self.language.setEnabled(multilingual)
        self.language.setCurrentIndex(max(0, self.language.findData(chosen.language)))
        self.language.setToolTip("" if multilingual else "This model hears English only.")
        has_voice = self.recordings.voice_available()
        self.reading.blockSignals(True)
        self.reading.setChecked(chosen.read_aloud)
        self.reading.blockSignals(False)
        self.reading.setEnabled(has_voice or chosen.read_aloud)
        if not has_voice:
            self.reading.setToolTip(
                "Needs espeak-ng, an offline voice (on Debian or Ubuntu: sudo apt install "
                "espeak-ng)."
            )
        self.speed.setCurrentIndex(max(0, self.speed.findData(chosen.reading_speed)))
        self.speed.setEnabled(chosen.read_aloud)

    def _read_aloud(self) -> None:
        self.recordings.set_reading(self.reading.isChecked(), str(self.speed.currentData()))
        self.speed.setEnabled(self.reading.isChecked())
        read_aloud_button.refresh_all()

    def choose_folder(self) -> None:
        folder = file_dialogs.choose_folder(
            self, "A faster-whisper model's folder", str(Path.home())
        )
        if folder:
            self._use(folder)

    def _use(self, folder: str) -> None:
        language = str(self.language.currentData() or "")
        try:
            self.recordings.use_speech_model(folder, language if folder else "")
        except HushdeskError as exc:
            tell(self, "Speech model", exc.message, kind="warning")
        self.refresh()
