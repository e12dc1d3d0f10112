"""The one mapping from an error to what the user reads, and the label it is read in
(message boxes: ``message_box``)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QWidget

from hushdesk.errors import HushdeskError

log = logging.getLogger("hushdesk.ui")


def error_text(error: BaseException) -> str:
    """A line for a status label: Hushdesk's own message, or (for a bug) a plain note
    that is also logged with its traceback."""
    if isinstance(error, HushdeskError):
        return error.message
    log.error("unexpected error", exc_info=error)
    return f"Unexpected error: {error or type(error).__name__}"


def warning(error: BaseException) -> str:
    """``error_text`` marked as a warning."""
    return f"⚠ {error_text(error)}"


def status_label(text: str = "", name: str = "Status") -> QLabel:
    """A page's status line. Plain text always: the messages carry file, model and
    library names, which must never be taken for markup."""
    label = QLabel(text)
    label.setAccessibleName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def ask_password(parent: QWidget | None, name: str) -> str | None:
    """The password of a document named ``name`` (``None``: the user said no)."""
    return ask_secret(parent, "Password", f"Password for {name}:")


def ask_secret(parent: QWidget | None, title: str, prompt: str) -> str | None:
    """A password typed once (``None``: cancelled)."""
    return _ask(parent, title, prompt, "", QLineEdit.EchoMode.Password) or None


def ask_text(parent: QWidget | None, title: str, prompt: str, text: str = "") -> str | None:
    """A line of text, ``text`` to start from (``None``: cancelled)."""
    return _ask(parent, title, prompt, text, QLineEdit.EchoMode.Normal)


def ask_item(parent: QWidget | None, title: str, prompt: str, items: list[str]) -> str | None:
    """One of ``items`` (names: shown as plain text in a list), ``None``: cancelled."""
    dialog = _input(parent, title, prompt)
    dialog.setComboBoxItems(items)
    dialog.setComboBoxEditable(False)
    return _answer(dialog)


def _ask(
    parent: QWidget | None, title: str, prompt: str, text: str, echo: QLineEdit.EchoMode
) -> str | None:
    dialog = _input(parent, title, prompt)
    dialog.setTextEchoMode(echo)
    dialog.setTextValue(text)
    return _answer(dialog)


def _input(parent: QWidget | None, title: str, prompt: str) -> QInputDialog:
    """The prompt is plain text: ``QInputDialog.getText`` would guess rich text from a
    name such as ``<img src=…>.pdf``."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(prompt)
    return dialog


def _answer(dialog: QInputDialog) -> str | None:
    for label in dialog.findChildren(QLabel):
        label.setTextFormat(Qt.TextFormat.PlainText)
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue()


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 file", "2 files": never "file(s)"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def page_title(text: str) -> QLabel:
    """A page's title, at its top (the rail says where you are; this says what it is)."""
    label = QLabel(text)
    label.setProperty("role", "title")
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
