"""Message boxes: the one place the app builds a ``QMessageBox``
(``tests/ui/test_message_box.py`` checks no other module names the class).

- Text is plain unless it is ``Rich``: a message names files, models and libraries,
  and Qt would take one that looks like HTML for HTML.
- A question names its action on its buttons ("Remove model" / "Keep it", never
  Yes / No); the safe answer is the default button and Esc's, and a destructive
  action's button has the destructive role (and the ``danger`` look).
- The icon is ours (Lucide, in the palette's colours), not the platform's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from hushdesk.ui.icons import pixmap
from hushdesk.ui.theme import colours

Kind = Literal["question", "warning", "info", "error"]
ICONS: dict[Kind, tuple[str, str]] = {  # the Lucide icon and its palette colour
    "question": ("circle-question-mark", "accent"),
    "warning": ("triangle-alert", "warning"),
    "info": ("info", "accent"),
    "error": ("circle-x", "danger"),
}
ICON_SIZE = 40  # pixels, before the screen's device-pixel ratio


class Rich(str):
    """Rich text built from escaped parts (``html.escape`` on every name or message in
    it): the only text a message box shows as rich text. What is done to it (``+``, an
    f-string, ``format``) gives a plain ``str`` again, so text is rich only where it is
    wrapped on purpose; ``tests/ui/test_rich_text_sites.py`` proves what each
    ``Rich(…)`` is given."""

    __slots__ = ()


def build(
    parent: QWidget | None, title: str, text: str, kind: Kind, detail: str = ""
) -> QMessageBox:
    """A box with no buttons yet: ``text`` and ``detail`` (the smaller line under it)
    plain unless ``Rich``, and the icon of ``kind``."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setTextFormat(_format(text))
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
        informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
        if informative is not None:
            informative.setTextFormat(_format(detail))
    name, colour = ICONS[kind]
    box.setIconPixmap(pixmap(name, colours()[colour], ICON_SIZE, box.devicePixelRatioF()))
    return box


def _format(text: str) -> Qt.TextFormat:
    return Qt.TextFormat.RichText if isinstance(text, Rich) else Qt.TextFormat.PlainText


def tell(
    parent: QWidget | None,
    title: str,
    text: str,
    kind: Kind = "warning",
    *,
    detail: str = "",
    details: str = "",
) -> None:
    """A message with an OK button; ``details``: plain text behind "Show Details…"
    (a traceback)."""
    box = build(parent, title, text, kind, detail)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def confirm(
    parent: QWidget | None,
    title: str,
    question: str,
    action: str,
    *,
    cancel: str = "Cancel",
    destructive: bool = False,
    kind: Kind = "question",
    detail: str = "",
) -> bool:
    """Whether the user chose ``action`` (its button's label: "Delete library");
    ``cancel`` is the other button's, the default one and Esc's."""
    return (
        choose(
            parent,
            title,
            question,
            [action],
            cancel=cancel,
            destructive=destructive,
            kind=kind,
            detail=detail,
        )
        == 0
    )


def choose(
    parent: QWidget | None,
    title: str,
    question: str,
    actions: Sequence[str],
    *,
    cancel: str = "Cancel",
    default: int | None = None,
    destructive: bool = False,
    kind: Kind = "question",
    detail: str = "",
) -> int | None:
    """The index of the action chosen, or ``None`` (``cancel``, Esc, the window
    closed). The default button is ``actions[default]``, or ``cancel`` when ``None``;
    ``destructive`` marks every action as one."""
    box = build(parent, title, question, kind, detail)
    role = (
        QMessageBox.ButtonRole.DestructiveRole if destructive else QMessageBox.ButtonRole.AcceptRole
    )
    buttons = [QPushButton(label) for label in actions]
    for button in buttons:
        if destructive:
            button.setProperty("role", "danger")  # before the box polishes it
        box.addButton(button, role)
    back = box.addButton(cancel, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(back if default is None else buttons[default])
    box.setEscapeButton(back)
    box.exec()
    clicked = box.clickedButton()
    return next((i for i, button in enumerate(buttons) if button is clicked), None)
