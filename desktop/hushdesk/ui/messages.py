"""The one mapping from an error to what the user reads."""

from __future__ import annotations

import logging

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
