"""The one mapping from an error to what the user reads, and the label it is read in."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

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
