"""A download that could not start, said in plain words where it was asked for (the
welcome, the starter banner), with the ways forward that need no internet: a model file
already on this computer, the models of Ollama or LM Studio, or the starter for now."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hushdesk.errors import Offline

WAYS = (
    ("Import a model file…", "file", "Import a GGUF model file from this computer"),
    ("Use Ollama's models", "ollama", "Use the models Ollama keeps on this computer"),
    ("Use LM Studio's models", "lmstudio", "Use the models LM Studio keeps on this computer"),
)


def trouble_text(name: str, error: BaseException, message: str) -> str:
    """What went wrong, for someone who does not know what a repository is."""
    if isinstance(error, Offline):
        return (
            f"{name} could not be downloaded: this computer cannot reach the internet right "
            "now (or a firewall is in the way). Nothing was downloaded. You can use a model "
            "that is already on this computer, or keep the starter model for now and try "
            "again later from the Models page."
        )
    return (
        f"{name} could not be downloaded: {message} You can use a model that is already on "
        "this computer instead, or keep the starter model for now."
    )


class DownloadTrouble(QFrame):
    """``importRequested(source)``: "file", "ollama" or "lmstudio"; ``kept``: the user
    keeps the starter model for now."""

    importRequested = Signal(str)
    kept = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setAccessibleName("The download could not start")
        self.text = QLabel("")
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # a model's name is in it
        self.text.setWordWrap(True)
        row = QHBoxLayout()
        for label, source, name in WAYS:
            button = QPushButton(label)
            button.setAccessibleName(name)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=source: self.importRequested.emit(s))
            row.addWidget(button)
        row.addStretch(1)
        keep = QPushButton("Keep the starter for now")
        keep.setProperty("role", "link")
        keep.setAutoDefault(False)
        keep.clicked.connect(self.kept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addWidget(keep, 0, Qt.AlignmentFlag.AlignLeft)
        self.hide()

    def show_trouble(self, text: str) -> None:
        self.text.setText(text)
        self.show()
