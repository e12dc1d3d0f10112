"""Light, dark or the system's: the palette of the whole app."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def apply_theme(app: QApplication, theme: str) -> None:
    """Follow the OS light/dark setting unless the user chose one.

    Where the platform cannot switch its own palette (plain X11, no desktop theme),
    the chosen scheme is applied with an explicit palette on the Fusion style.
    """
    schemes = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
    if sys.platform.startswith("linux"):
        app.setStyle("Fusion")
    if theme not in schemes:
        return
    app.styleHints().setColorScheme(schemes[theme])
    is_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if is_dark != (theme == "dark"):
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())


def dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    colours = {
        role.Window: "#1e2126",
        role.WindowText: "#e6e6e6",
        role.Base: "#16181c",
        role.AlternateBase: "#24282e",
        role.ToolTipBase: "#2b3038",
        role.ToolTipText: "#e6e6e6",
        role.Text: "#e6e6e6",
        role.Button: "#2a2e35",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Link: "#6cb2ff",
        role.Highlight: "#3d6fb6",
        role.HighlightedText: "#ffffff",
        role.PlaceholderText: "#8b929c",
        role.Mid: "#3a3f47",
        role.Dark: "#101215",
        role.Midlight: "#343941",
        role.Light: "#454b55",
    }
    for colour_role, value in colours.items():
        palette.setColor(colour_role, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for colour_role in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(disabled, colour_role, QColor("#6b717a"))
    return palette
