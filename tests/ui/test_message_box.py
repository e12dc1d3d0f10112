"""Message boxes (``ui/message_box.py``): verbs on the buttons, the safe answer by
default, the destructive one marked, and our icons drawn sharp for the screen."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QStyle

from hushdesk.ui.message_box import ICON_SIZE, choose, confirm, tell
from hushdesk.ui.theme import apply_theme
from tests.ui.conftest import answer_boxes


def _labels(box: QMessageBox) -> dict[str, QMessageBox.ButtonRole]:
    return {button.text(): box.buttonRole(button) for button in box.buttons()}


def test_a_question_names_its_action_and_defaults_to_the_safe_answer(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = answer_boxes(monkeypatch, "Remove model", "Keep it")
    assert confirm(
        None, "Remove model", "Remove it?", "Remove model", cancel="Keep it", destructive=True
    )
    assert not confirm(
        None, "Remove model", "Remove it?", "Remove model", cancel="Keep it", destructive=True
    )
    box = boxes[0]
    roles = QMessageBox.ButtonRole
    assert _labels(box) == {"Remove model": roles.DestructiveRole, "Keep it": roles.RejectRole}
    safe = box.defaultButton()
    assert safe is not None
    assert safe.text() == "Keep it"
    assert box.escapeButton() is safe
    remove = next(b for b in box.buttons() if b.text() == "Remove model")
    assert remove.property("role") == "danger"


def test_a_choice_returns_the_action_taken_or_none(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_boxes(monkeypatch, "Use it where it is", "Cancel")
    actions = ["Copy it", "Use it where it is"]
    assert choose(None, "Import model", "Copy?", actions, default=0) == 1
    assert choose(None, "Import model", "Copy?", actions, default=0) is None


def test_boxes_show_our_icons_not_the_platforms(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = answer_boxes(monkeypatch, "OK", "Cancel")
    tell(None, "Export failed", "The disk is full.")
    confirm(None, "New token", "Make a new token?", "Make a new token")
    for box in boxes:
        assert box.icon() == QMessageBox.Icon.NoIcon  # no stock Warning/Question icon
        drawn = box.iconPixmap()
        ratio = box.devicePixelRatioF()
        assert drawn.devicePixelRatio() == ratio
        assert drawn.width() == round(ICON_SIZE * ratio)
        image = drawn.toImage()
        inked = sum(
            image.pixelColor(x, y).alpha() > 200
            for y in range(image.height())
            for x in range(image.width())
        )
        assert inked > 40  # a drawn outline, not an empty square
    assert boxes[0].iconPixmap().toImage() != boxes[1].iconPixmap().toImage()


def test_dialog_buttons_carry_no_stock_icons(qapp: QApplication) -> None:
    """A platform theme (KDE's) would put its own icons on OK, Cancel, Close…"""
    apply_theme(qapp, str(qapp.property("hushdeskScheme") or "light"))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    hint = QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons
    assert buttons.style().styleHint(hint, None, buttons) == 0
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    assert ok.icon().isNull()
