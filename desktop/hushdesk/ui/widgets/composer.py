"""The message box: Enter sends, Shift+Enter starts a new line; an image pasted or an
image file dropped on it is offered for attaching (``imagePasted``, ``filesDropped``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from hushdesk.services.conversations import IMAGE_FILES


class Composer(QPlainTextEdit):
    submitted = Signal()
    cancelled = Signal()
    imagePasted = Signal(QImage)
    filesDropped = Signal(list)  # image files (Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message")
        self.setPlaceholderText("Message Hushdesk…  (Enter to send, Shift+Enter for a new line)")
        self.setTabChangesFocus(True)
        self.setFixedHeight(84)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(_images(source)) or source.hasImage() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Text stays text (a copied web page's image goes with its text as text); an
        image alone, or image files, are offered for attaching."""
        files = _images(source)
        if files:
            self.filesDropped.emit(files)
        elif source.hasImage() and not source.hasText():
            self.imagePasted.emit(QImage(source.imageData()))
        else:
            super().insertFromMimeData(source)


def _images(source: QMimeData) -> list[Path]:
    urls = source.urls() if source.hasUrls() else []
    files = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    return [f for f in files if f.suffix.lower() in IMAGE_FILES]
