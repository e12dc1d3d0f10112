"""The Email page's form: kind, tone, length, language, recipient, the library to take
facts from, the email to answer, the points to make; templates and the signature."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.drafts import Request, kinds, lengths, tones
from hushdesk.ui.widgets.combo import LANGUAGES, combo
from hushdesk.ui.widgets.job_bar import JobBar

NO_LIBRARY = "No documents"


class EmailForm(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self._build()

    def _fields(self) -> QFormLayout:
        self.kind = combo("Kind of email", [(k.title, k.id) for k in kinds().values()])
        for i, k in enumerate(kinds().values()):
            self.kind.setItemData(i, k.description, Qt.ItemDataRole.ToolTipRole)
        self.tone = combo("Tone", [(t.title, t.id) for t in tones().values()], "formal")
        self.length = combo("Length", [(v.title, v.id) for v in lengths().values()], "medium")
        self.language = combo(
            "Language", [("Same as the email", None)] + [(lang, lang) for lang in LANGUAGES]
        )
        self.library = combo("Use facts from a library", [(NO_LIBRARY, None)])
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("Recipient")
        self.recipient.setPlaceholderText("Name, or Name <address> (default: the sender)")
        self.role = QLineEdit()
        self.role.setAccessibleName("Recipient's role")
        self.role.setPlaceholderText("e.g. the client's finance director")
        form = QFormLayout()
        form.addRow("Kind:", self.kind)
        form.addRow("Tone:", self.tone)
        form.addRow("Length:", self.length)
        form.addRow("Language:", self.language)
        form.addRow("To:", self.recipient)
        form.addRow("Role:", self.role)
        form.addRow("Facts from:", self.library)
        return form

    def _build(self) -> None:
        form = self._fields()
        self.thread_text = QPlainTextEdit()
        self.thread_text.setAccessibleName("Email to answer")
        self.thread_text.setPlaceholderText(
            "Paste the email to answer (headers welcome), or open a saved .eml."
        )
        self.points = QPlainTextEdit()
        self.points.setAccessibleName("Points to make")
        self.points.setPlaceholderText("What to say, one point per line.")
        self.open_eml = QPushButton("Open .eml…")
        self.template = QComboBox()
        self.template.setAccessibleName("Start from a template")
        self.manage = QPushButton("Templates…")
        self.signature = QPushButton("Signature…")
        self.start = QPushButton("Draft")
        self.start.setDefault(True)
        self.job_bar = JobBar("Drafting progress", stop="Stop", stop_name="Stop drafting")
        templates = QHBoxLayout()
        templates.addWidget(self.template, 1)
        templates.addWidget(self.manage)
        thread_row = QHBoxLayout()
        thread_row.addWidget(QLabel("Email to answer:"), 1)
        thread_row.addWidget(self.open_eml)
        buttons = QHBoxLayout()
        buttons.addWidget(self.signature)
        buttons.addStretch(1)
        buttons.addWidget(self.start)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(templates)
        column.addLayout(form)
        column.addLayout(thread_row)
        column.addWidget(self.thread_text, 2)
        column.addWidget(QLabel("Points to make:"))
        column.addWidget(self.points, 1)
        column.addLayout(buttons)
        column.addWidget(self.job_bar)

    def request(self) -> Request:
        library = self.library.currentData()
        return Request(
            kind=str(self.kind.currentData()),
            points=self.points.toPlainText(),
            thread=self.thread_text.toPlainText(),
            tone=str(self.tone.currentData()),
            length=str(self.length.currentData()),
            language=self.language.currentData(),
            recipient=self.recipient.text().strip(),
            role=self.role.text().strip(),
            libraries=(str(library),) if library else (),
        )
