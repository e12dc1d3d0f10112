"""The app's icons: one set, Lucide (ISC licence, ``resources/icons/lucide/LICENSE``),
drawn in the colour of the text around them so they follow light and dark.

An icon without a fixed colour is drawn when it is painted, in the palette of that
moment (``_Themed``, an icon engine): a theme switch while the app runs recolours every
icon already on screen, with nothing to update by hand."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from hushdesk import assets


def icon(name: str, colour: str | None = None) -> QIcon:
    """``resources/icons/lucide/NAME.svg`` in ``colour``; by default in the palette's
    text colour at the time it is painted (so it follows a theme switch)."""
    return QIcon(_Themed(name, colour))


def pixmap(name: str, colour: str, side: int, ratio: float) -> QPixmap:
    """``name`` in ``colour`` as a ``side``-pixel square for a screen of device-pixel
    ratio ``ratio``: drawn with that many more pixels, so it is sharp there."""
    pixels = max(1, round(side * ratio))
    drawn = QPixmap(_drawn(name, colour, pixels, pixels))  # a copy: the cached one stays 1:1
    drawn.setDevicePixelRatio(ratio)
    return drawn


def text_colour(mode: QIcon.Mode = QIcon.Mode.Normal) -> str:
    """The palette's text colour now (greyed for a disabled icon)."""
    group = (
        QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else QPalette.ColorGroup.Active
    )
    return QGuiApplication.palette().color(group, QPalette.ColorRole.WindowText).name()


class _Themed(QIconEngine):
    def __init__(self, name: str, colour: str | None) -> None:
        super().__init__()
        self.name, self.colour = name, colour

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return _drawn(self.name, self.colour or text_colour(mode), size.width(), size.height())

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        size = QSize(int(rect.width() * ratio), int(rect.height() * ratio))
        drawn = self.pixmap(size, mode, state)
        painter.drawPixmap(rect, drawn)

    def clone(self) -> QIconEngine:
        copy = _Themed(self.name, self.colour)
        _CLONES.append(copy)  # Qt owns it now; Python must not collect it under Qt's feet
        return copy


_CLONES: list[_Themed] = []


@cache
def _svg(name: str) -> str:
    return assets.read_text("icons", "lucide", f"{name}.svg")


@cache
def _drawn(name: str, colour: str, width: int, height: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", colour).encode()))
    pixmap = QPixmap(max(width, 1), max(height, 1))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = min(width, height)  # square icons, centred
    renderer.render(painter, QRect((width - side) // 2, (height - side) // 2, side, side))
    painter.end()
    return pixmap
