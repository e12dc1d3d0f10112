"""Focus you can see: Tab visits only controls, and each wears a ring in the accent
(2 px, at least 3:1 against what is behind it) in light and dark."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QKeySequenceEdit,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTabBar,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from hushdesk.ui.main_window import MainWindow
from hushdesk.ui.pages import PageName
from hushdesk.ui.theme import apply_theme, colours
from hushdesk.ui.widgets.number_slider import NumberSlider
from tests.ui.conftest import MakeWindow

# What Tab may stop at: controls that do something with the keyboard and draw their focus.
CONTROLS = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSpinBox,
    QAbstractSlider,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QTabBar,
    QKeySequenceEdit,
)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    before = str(qapp.property("hushdeskScheme") or "light")
    yield qapp
    apply_theme(qapp, before)


def _tab_chain(qtbot: QtBot, window: MainWindow) -> list[QWidget]:
    """Every widget Tab reaches on the page in view, from its rail button round again."""
    window.activateWindow()
    qtbot.waitActive(window)
    window.nav.item(window.nav.currentRow()).setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    chain: list[QWidget] = []
    while (focused := QApplication.focusWidget()) is not None and focused not in chain:
        chain.append(focused)
        assert len(chain) < 200, "Tab never comes back to where it started"
        window.focusNextChild()
    return chain


def _describe(widgets: list[QWidget]) -> list[str]:
    return [f"{type(w).__name__} {w.accessibleName()!r}" for w in widgets]


def test_tab_on_the_chat_page_visits_only_visible_controls(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    chain = _tab_chain(qtbot, window)
    assert window.chat.composer in chain
    assert window.chat.settings_button in chain
    assert [w for w in chain if not w.isVisible()] == []
    assert _describe([w for w in chain if not isinstance(w, CONTROLS)]) == []


@pytest.mark.parametrize("page", ["models", "settings"])
def test_a_scrolling_page_is_no_tab_stop_of_its_own(
    qtbot: QtBot, make_window: MakeWindow, page: PageName
) -> None:
    """The Models and Settings pages scroll, and their frame once took a Tab that
    showed nothing."""
    window = make_window()
    window.go(page)
    chain = _tab_chain(qtbot, window)
    assert _describe([w for w in chain if not isinstance(w, CONTROLS)]) == []


def _contrast(a: str, b: str) -> float:
    def luminance(name: str) -> float:
        channels = []
        for c in QColor(name).getRgbF()[:3]:
            channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b_ = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_from_what_is_behind_it(scheme: str) -> None:
    values = colours(scheme)
    for behind in ("window", "surface", "rail", "surface_alt", "accent_soft"):
        assert _contrast(values["accent"], values[behind]) >= 3, behind
    # A primary button is filled with the accent: its ring is in the text colour.
    assert _contrast(values["text"], values["window"]) >= 3


def _ring_pixels(widget: QWidget, colour: str) -> int:
    image = widget.grab().toImage()
    wanted = QColor(colour)
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if max(
            abs(image.pixelColor(x, y).red() - wanted.red()),
            abs(image.pixelColor(x, y).green() - wanted.green()),
            abs(image.pixelColor(x, y).blue() - wanted.blue()),
        )
        < 24
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kind_of_control_draws_its_focus(
    qtbot: QtBot, themed: QApplication, scheme: str
) -> None:
    apply_theme(themed, scheme)
    values = colours(scheme)
    primary = QPushButton("Send")
    primary.setProperty("role", "primary")
    link = QPushButton("Open")
    link.setProperty("role", "link")
    spin = QDoubleSpinBox()
    slider = NumberSlider(QDoubleSpinBox())
    listing = QListWidget()
    listing.addItems(["one", "two"])
    tabs = QTabBar()
    tabs.addTab("Email")
    tabs.addTab("Writing tools")
    controls: list[tuple[QWidget, str]] = [
        (QPushButton("New chat"), "accent"),
        (primary, "text"),
        (link, "accent"),
        (QToolButton(), "accent"),
        (QLineEdit(), "accent"),
        (QComboBox(), "accent"),
        (spin, "accent"),
        (QPlainTextEdit(), "accent"),
        (QTextEdit(), "accent"),
        (listing, "accent"),
        (QCheckBox("Only models that fit"), "accent"),
        (slider.slider, "accent"),
        (tabs, "accent"),
    ]
    parent = QWidget()
    column = QVBoxLayout(parent)
    for widget, _ in controls:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        column.addWidget(slider if widget is slider.slider else widget)
    qtbot.addWidget(parent)
    parent.show()
    parent.activateWindow()
    qtbot.waitActive(parent)
    for widget, colour in controls:
        name = type(widget).__name__
        widget.clearFocus()
        before = _ring_pixels(widget, values[colour])
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus)
        after = _ring_pixels(widget, values[colour])
        box = widget.tabRect(0) if isinstance(widget, QTabBar) else widget.rect()
        ring = 8 if widget is slider.slider else 2 * (box.width() + box.height())
        assert after - before >= ring * 0.6, f"{name}: no ring ({before} → {after})"
