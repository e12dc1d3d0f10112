"""The sampling dialogs' controls: sliders in step with their number boxes both ways and
worked from the keyboard, spin boxes whose arrows are drawn."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QDoubleSpinBox,
    QLineEdit,
    QStyle,
    QStyleOptionSpinBox,
)
from pytestqt.qtbot import QtBot

from hushdesk.settings import SamplingSettings
from hushdesk.ui.theme import SPIN_BOX_TEXT_MARGIN, apply_theme, colours
from hushdesk.ui.widgets.conversation_settings import ConversationSettings
from hushdesk.ui.widgets.number_slider import NumberSlider


def test_temperature_and_top_p_have_sliders_in_step_with_their_boxes(qtbot: QtBot) -> None:
    defaults = SamplingSettings()
    dialog = ConversationSettings("default", None, {}, defaults)
    qtbot.addWidget(dialog)
    sliders = {s.box.accessibleName(): s for s in dialog.findChildren(NumberSlider)}
    assert set(sliders) == {"Temperature", "Top p"}
    temperature = sliders["Temperature"]
    assert temperature.box is dialog.temperature
    assert temperature.slider.accessibleName() == "Temperature"

    dialog.show()
    temperature.slider.setFocus()
    start = dialog.temperature.value()
    qtbot.keyClick(temperature.slider, Qt.Key.Key_Right)
    assert dialog.temperature.value() == pytest.approx(start + 0.1)
    qtbot.keyClick(temperature.slider, Qt.Key.Key_End)
    assert dialog.temperature.value() == pytest.approx(2.0)
    qtbot.keyClick(temperature.slider, Qt.Key.Key_Home)
    assert dialog.temperature.value() == pytest.approx(0.0)

    dialog.temperature.setValue(1.3)  # typed in the box
    assert temperature.slider.value() == 13
    dialog.temperature.setValue(0.73)  # between two steps: kept as typed
    assert temperature.slider.value() == 7
    assert dialog.temperature.value() == pytest.approx(0.73)
    assert dialog.values()[2] == {"temperature": 0.73}

    top_p = sliders["Top p"]
    top_p.slider.setValue(top_p.slider.minimum())
    assert dialog.top_p.value() == pytest.approx(0.05)
    assert top_p.slider.maximum() == 19  # 0.05 … 1.0 in steps of 0.05


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_spin_box_arrows_are_drawn_in_both_themes(
    qtbot: QtBot, qapp: QApplication, scheme: str
) -> None:
    """Chevrons in the theme's muted colour (the stylesheet once left Qt's arrows broken),
    and the number's text where the text of every other field starts."""
    before = str(qapp.property("hushdeskScheme") or "light")
    apply_theme(qapp, scheme)
    try:
        box = QDoubleSpinBox()
        box.setRange(0, 2)
        box.setValue(1)
        qtbot.addWidget(box)
        box.resize(160, 32)
        box.show()
        image = box.grab().toImage()
        muted = QColor(colours(scheme)["muted"])
        option = QStyleOptionSpinBox()
        box.initStyleOption(option)
        parts = {"up": QStyle.SubControl.SC_SpinBoxUp, "down": QStyle.SubControl.SC_SpinBoxDown}
        for name, part in parts.items():
            rect = box.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, part, box)
            inked = sum(
                _near(image.pixelColor(x, y), muted)
                for y in range(rect.top(), rect.bottom() + 1)
                for x in range(rect.left(), rect.right() + 1)
            )
            assert inked >= 5, f"{name}: no chevron drawn"
        field = box.findChild(QLineEdit)
        assert field is not None
        assert field.textMargins().left() == SPIN_BOX_TEXT_MARGIN
    finally:
        apply_theme(qapp, before)


def _near(pixel: QColor, colour: QColor) -> bool:
    return (
        max(
            abs(pixel.red() - colour.red()),
            abs(pixel.green() - colour.green()),
            abs(pixel.blue() - colour.blue()),
        )
        < 40
    )
