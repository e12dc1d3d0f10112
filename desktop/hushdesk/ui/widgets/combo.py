"""Choices shared by the pages (languages, the document file filter), a combo box filled
with (text, value) items, named for screen readers, and one that shortens its text with
"…" when narrow (``ElidedCombo``) instead of cutting a letter in half."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QComboBox, QSizePolicy, QStyle, QStyleOptionComboBox, QStylePainter

from hushdesk.services.recordings import RECORDING_SUFFIXES

LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Dutch", "Portuguese")
_DOCUMENTS = "*.pdf *.docx *.txt *.md *.html *.htm *.epub *.xlsx *.xlsm *.csv *.tsv"
_RECORDINGS = " ".join(f"*{suffix}" for suffix in sorted(RECORDING_SUFFIXES))
DOCUMENT_FILTER = f"Documents ({_DOCUMENTS});;All files (*)"
# What a library reads and the Summarize page summarizes: recordings too (transcribed).
LIBRARY_FILTER = (
    f"Documents and recordings ({_DOCUMENTS} {_RECORDINGS});;Recordings ({_RECORDINGS});;"
    "All files (*)"
)


def combo(name: str, items: list[tuple[str, object]], current: object = None) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for text, data in items:
        box.addItem(text, data)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


class ElidedCombo(QComboBox):
    """As wide as its current item where there is room (up to ``widest`` characters),
    down to ``characters`` where there is not, its text then ending in "…": pages fit a
    1024-pixel window whatever the model and library names."""

    def __init__(self, characters: int, widest: int = 36) -> None:
        super().__init__()
        self.characters, self.widest = characters, widest
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.currentIndexChanged.connect(lambda _i: self.updateGeometry())

    def _width_for(self, text: str) -> int:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        content = QSize(self.fontMetrics().horizontalAdvance(text), self.fontMetrics().height())
        return (
            self.style()
            .sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, content, self)
            .width()
        )

    def sizeHint(self) -> QSize:
        text = self.currentText()[: self.widest]
        hint = super().sizeHint()
        return QSize(max(self._width_for(text), self.minimumSizeHint().width()), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self._width_for("x" * self.characters), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
