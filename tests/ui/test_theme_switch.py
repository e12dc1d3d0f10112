"""Light ↔ Dark while the app runs: the open conversation and the icons take the new
palette's colours at once, with no new window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from hushdesk.services.conversations import Turn
from hushdesk.ui.theme import apply_theme, colours
from tests.ui.conftest import MakeWindow


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    before = str(qapp.property("hushdeskScheme") or "light")
    yield qapp
    apply_theme(qapp, before)


def _ink(image: QImage) -> QColor:
    """The mean colour of an icon's drawn (opaque) pixels."""
    r = g = b = n = 0
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() > 200:
                r, g, b, n = r + pixel.red(), g + pixel.green(), b + pixel.blue(), n + 1
    assert n, "the icon drew nothing"
    return QColor(r // n, g // n, b // n)


def test_a_theme_switch_repaints_the_conversation_and_the_icons(
    themed: QApplication, make_window: MakeWindow
) -> None:
    apply_theme(themed, "light")
    window = make_window()
    view = window.chat.view
    view.set_turns([Turn(1, "user", "Which law governs?"), Turn(2, "assistant", "Irish law.")])
    light, dark = colours("light"), colours("dark")
    assert light["you"] in view.toHtml()
    icon = window.help_button.icon()
    assert _ink(icon.pixmap(22, 22).toImage()).lightness() < 128  # dark ink on light
    apply_theme(themed, "dark")
    themed.processEvents()
    html = view.toHtml()
    assert dark["you"] in html  # your message's bubble in the dark palette
    assert light["you"] not in html
    assert dark["muted"] in html  # the headers and links drawn again too
    assert dark["link"] in html
    assert light["muted"] not in html
    text = view.palette().color(QPalette.ColorRole.Text).name()
    assert text == dark["text"]  # the messages' own text
    assert _ink(icon.pixmap(22, 22).toImage()).lightness() > 128  # light ink on dark
    assert "Irish law." in view.toPlainText()  # the conversation is still there
