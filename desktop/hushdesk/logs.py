"""Logging: one named logger per subsystem under ``hushdesk``, one rotating file."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from types import TracebackType
from typing import Any

from hushdesk import paths
from hushdesk.errors import StoreError

_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class _Formatter(logging.Formatter):
    """Tracebacks without the exceptions' own words: a message may hold a library or
    file name, a document's text or what a server said; the frames and the types are
    enough to find the fault."""

    def formatException(
        self, ei: tuple[type[BaseException], BaseException, TracebackType | None] | Any
    ) -> str:
        lines: list[str] = []
        error: BaseException | None = ei[1]
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            kind = type(error)
            lines[:0] = [
                "Traceback (most recent call last):\n",
                *traceback.format_tb(error.__traceback__),
                f"{kind.__module__}.{kind.__qualname__} (message not logged)\n",
            ]
            error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
            if error is not None:
                lines[:0] = ["During the handling of an earlier error:\n"]
        return "".join(lines).rstrip("\n")


def setup(*, console_level: int | None = logging.WARNING, process: str = "hushdesk") -> None:
    """Send ``hushdesk.*`` records to a rotating file, and their warnings to stderr;
    other libraries' warnings to the file only.

    Idempotent, so entry points and child processes can all call it.
    """
    root = logging.getLogger("hushdesk")
    if getattr(root, "_hushdesk_configured", False):
        return
    root.setLevel(logging.DEBUG)
    root.propagate = False
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_file(process), maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except (OSError, StoreError):
        handler = logging.NullHandler()  # a read-only or full disk must not stop the app
    handler.setFormatter(_Formatter(_FORMAT))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    # Libraries' own warnings (pypdf's "EOF marker not found", Python warnings) go to the
    # file too, never between the lines a command prints.
    logging.getLogger().addHandler(handler)
    logging.captureWarnings(True)
    if console_level is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(_Formatter("%(levelname)s: %(message)s"))
        console.setLevel(console_level)
        root.addHandler(console)
    root._hushdesk_configured = True  # type: ignore[attr-defined]
