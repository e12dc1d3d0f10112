"""Light, dark or the system's: one theme for the whole app, as data in
``resources/styles`` — ``palette.toml`` (the colours of each scheme) and ``app.qss``
(spacing, shapes, the rail, cards), which names those colours as ``$name``."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from string import Template

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit

from hushdesk import assets

SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
SPIN_BOX_TEXT_MARGIN = 6  # pixels: with the field's own 2, the 8 of app.qss's other fields


def apply_theme(app: QApplication, theme: str) -> None:
    """Follow the OS light/dark setting unless the user chose one, then give every
    widget the theme's palette and stylesheet (Fusion underneath, the same everywhere)."""
    app.setStyle("Fusion")
    if app.findChild(_SpinBoxText) is None:
        app.installEventFilter(_SpinBoxText(app))
    if theme in SCHEMES:
        app.styleHints().setColorScheme(SCHEMES[theme])
        scheme = theme
    else:
        app.styleHints().unsetColorScheme()
        scheme = "dark" if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"
    values = colours(scheme)
    app.setPalette(palette(values))
    arrows = {
        "arrow": _drawn("chevron-down", values["muted"]),
        "arrow_up": _drawn("chevron-up", values["muted"]),
        "arrow_off": _drawn("chevron-down", values["border"]),  # at the end of the range
        "arrow_up_off": _drawn("chevron-up", values["border"]),
        "check": _drawn("check", values["accent_text"]),  # a ticked check box
    }
    stylesheet = Template(assets.read_text("styles", "app.qss"))
    app.setStyleSheet(stylesheet.substitute(values, **arrows))
    app.setProperty("hushdeskScheme", scheme)


def colours(scheme: str | None = None) -> dict[str, str]:
    """The theme's colours for ``scheme`` (default: the one in use)."""
    if scheme is None:
        app = QGuiApplication.instance()
        scheme = str(app.property("hushdeskScheme") or "light") if app else "light"
        if scheme not in SCHEMES:
            scheme = "light"
    return dict(assets.read_toml("styles", "palette.toml")[scheme])


def palette(values: dict[str, str]) -> QPalette:
    result = QPalette()
    role = QPalette.ColorRole
    for colour_role, key in {
        role.Window: "window",
        role.WindowText: "text",
        role.Base: "surface",
        role.AlternateBase: "surface_alt",
        role.ToolTipBase: "surface",
        role.ToolTipText: "text",
        role.Text: "text",
        role.Button: "surface",
        role.ButtonText: "text",
        role.BrightText: "danger",
        role.Link: "link",
        role.Highlight: "accent",
        role.HighlightedText: "accent_text",
        role.PlaceholderText: "muted",
        role.Mid: "border",
        role.Midlight: "surface_alt",
        role.Light: "surface",
        role.Dark: "border",
        role.Accent: "accent",
    }.items():
        result.setColor(colour_role, QColor(values[key]))
    disabled = QPalette.ColorGroup.Disabled
    for colour_role in (role.Text, role.WindowText, role.ButtonText):
        result.setColor(disabled, colour_role, QColor(values["muted"]))
    return result


@cache
def _drawn(name: str, colour: str) -> str:
    """A stylesheet needs an icon as a file: the Lucide one in ``colour``, written once
    to a private temporary folder (it holds nothing about the user). Made for the 12 px
    app.qss draws it at, its stroke a little heavier: drawn from 24 px, it came out thin
    and broken."""
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-theme-"))
    svg = assets.read_text("icons", "lucide", f"{name}.svg").replace("currentColor", colour)
    svg = svg.replace('width="24"', 'width="12"').replace('height="24"', 'height="12"')
    svg = svg.replace('stroke-width="2"', 'stroke-width="2.5"')
    path = folder / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path.as_posix()


class _SpinBoxText(QObject):
    """A style sheet cannot pad the text inside a spin box (Qt leaves the field it puts
    there unstyled, its text against the left border): the margin is given here, as each
    spin box is polished, so numbers line up with the text of the fields above them."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish and isinstance(watched, QAbstractSpinBox):
            field = watched.findChild(QLineEdit)
            if field is not None:
                field.setTextMargins(SPIN_BOX_TEXT_MARGIN, 0, 0, 0)
        return False
