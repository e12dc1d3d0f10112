"""The app's icons: one set, Lucide (ISC licence, ``resources/icons/lucide/LICENSE``),
drawn in the colour of the text around them so they follow light and dark."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from hushdesk import assets

SIZES = (16, 20, 24, 32, 48, 64)  # crisp at 1× and 2× for the sizes the app uses


def icon(name: str, colour: str | None = None) -> QIcon:
    """``resources/icons/lucide/NAME.svg`` in ``colour`` (default: the palette's text)."""
    if colour is None:
        palette = QGuiApplication.palette()
        colour = palette.color(QPalette.ColorRole.WindowText).name()
    return _icon(name, colour)


@cache
def _icon(name: str, colour: str) -> QIcon:
    svg = assets.read_text("icons", "lucide", f"{name}.svg").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result
