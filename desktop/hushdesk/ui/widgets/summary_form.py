"""The Summarize page's form: the source (a file, a library document, pasted text), the
kind of summary, its length and language, an instruction for the custom kind.

The source line is rich text (the document's name in bold), and everything in it comes
from the document or its reader (a file name, a zip part named ``<img src=…>`` in an
error): it is set only through ``show_source`` and ``show_note``, which escape it."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.summaries import Options, lengths, modes
from hushdesk.ui.safe_text import escaped, rich_label
from hushdesk.ui.widgets.combo import LANGUAGES


class SummaryForm(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._source_row())
        layout.addLayout(self._options_row())
        self.mode.currentIndexChanged.connect(self._mode_changed)

    def _source_row(self) -> QHBoxLayout:
        self.open_file = QPushButton("Open file…")
        self.from_library = QComboBox()
        self.from_library.setAccessibleName("Summarize a document of a library")
        self.from_library.setMinimumContentsLength(24)
        self.paste = QPushButton("Paste text…")
        self.source_label = rich_label("Choose a document to summarize.")
        self.source_label.setWordWrap(True)
        picks = QHBoxLayout()
        for widget in (self.open_file, self.from_library, self.paste):
            picks.addWidget(widget)
        picks.addWidget(self.source_label, 1)
        return picks

    def _options_row(self) -> QHBoxLayout:
        self.mode = QComboBox()
        self.mode.setAccessibleName("Kind of summary")
        for mode in modes().values():
            self.mode.addItem(mode.title, mode.id)
            self.mode.setItemData(
                self.mode.count() - 1, mode.description, Qt.ItemDataRole.ToolTipRole
            )
        self.length = QComboBox()
        self.length.setAccessibleName("Length")
        for name in lengths():
            self.length.addItem(name.capitalize(), name)
        self.length.setCurrentIndex(max(0, self.length.findData("medium")))
        self.language = QComboBox()
        self.language.setAccessibleName("Language of the summary")
        self.language.addItem("Document's language", None)
        for language in LANGUAGES:
            self.language.addItem(language, language)
        self.instruction = QLineEdit()
        self.instruction.setAccessibleName("Instruction")
        self.instruction.setPlaceholderText("What to do, e.g. “List every party and its role”")
        self.instruction.hide()
        self.start = QPushButton("Summarize")
        self.start.setDefault(True)
        self.start.setEnabled(False)
        options = QHBoxLayout()
        for label, widget in (
            ("Kind:", self.mode),
            ("Length:", self.length),
            ("Language:", self.language),
        ):
            options.addWidget(QLabel(label))
            options.addWidget(widget)
        options.addWidget(self.instruction, 1)
        options.addStretch(0)
        options.addWidget(self.start)
        return options

    def show_source(self, name: str, details: str, notes: str = "") -> None:
        """The chosen document: its name in bold, then what was read (and any notes)."""
        text = f"<b>{html.escape(name)}</b> · {html.escape(details)}"
        if notes:
            text += f"<br><i>{escaped(notes)}</i>"
        self.source_label.setText(text)

    def show_note(self, text: str) -> None:
        """A line about the source (reading it, or why it could not be read)."""
        self.source_label.setText(escaped(text))

    def options(self) -> Options:
        return Options(
            mode=str(self.mode.currentData()),
            length=str(self.length.currentData()),
            language=self.language.currentData(),
            instruction=self.instruction.text().strip(),
        )

    def _mode_changed(self, _index: int) -> None:
        self.instruction.setVisible(self.mode.currentData() == "custom")
