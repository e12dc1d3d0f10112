"""Light, dark or the system's: one theme for the whole app, as data in
``resources/styles`` — ``palette.toml`` (the colours of each scheme) and ``app.qss``
(spacing, shapes, the rail, cards), which names those colours as ``$name``."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from string import Template

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from hushdesk import assets

SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


def apply_theme(app: QApplication, theme: str) -> None:
    """Follow the OS light/dark setting unless the user chose one, then give every
    widget the theme's palette and stylesheet (Fusion underneath, the same everywhere)."""
    app.setStyle("Fusion")
    if theme in SCHEMES:
        app.styleHints().setColorScheme(SCHEMES[theme])
        scheme = theme
    else:
        app.styleHints().unsetColorScheme()
        scheme = "dark" if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"
    values = colours(scheme)
    app.setPalette(palette(values))
    arrow = _drawn("chevron-down", values["muted"])
    stylesheet = Template(assets.read_text("styles", "app.qss"))
    app.setStyleSheet(stylesheet.substitute(values, arrow=arrow))
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
    to a private temporary folder (it holds nothing about the user)."""
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-theme-"))
    svg = assets.read_text("icons", "lucide", f"{name}.svg").replace("currentColor", colour)
    path = folder / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path.as_posix()
