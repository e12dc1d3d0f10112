"""A one-line label that shortens its text with "…" instead of clipping it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    textChanged = Signal(str)  # the full text

    def __init__(self, text: str = "", parent: QWidget | None = None, *, keep: int = 0) -> None:
        """``keep``: characters it keeps however narrow the window (in its own font, as
        the stylesheet sets it: a title's are wider than a label's)."""
        super().__init__(parent)
        self._full, self._keep = text, keep
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        changed = text != self._full
        self._full = text
        self.setToolTip(text)
        self._elide()
        if changed:
            self.textChanged.emit(text)

    def full_text(self) -> str:
        return self._full

    def event(self, event: QEvent) -> bool:
        if self._keep and event.type() in (QEvent.Type.FontChange, QEvent.Type.Polish):
            self.setMinimumWidth(self.fontMetrics().averageCharWidth() * self._keep)
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)
