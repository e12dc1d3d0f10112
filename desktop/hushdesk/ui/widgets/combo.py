"""Choices shared by the pages (languages, the document file filter) and a combo box
filled with (text, value) items, named for screen readers."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Dutch", "Portuguese")
DOCUMENT_FILTER = "Documents (*.pdf *.docx *.txt *.md *.html *.htm *.epub);;All files (*)"


def combo(name: str, items: list[tuple[str, object]], current: object = None) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for text, data in items:
        box.addItem(text, data)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


def narrow(box: QComboBox, characters: int) -> QComboBox:
    """As wide as ``characters`` (longer items elide), not as its longest item: pages
    fit a 1024-pixel window whatever the model and library names."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)
    return box
