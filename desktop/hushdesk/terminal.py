"""Terminal helpers shared by the command-line modules."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType

from hushdesk.jobs import Progress


@contextlib.contextmanager
def on_ctrl_c(action: Callable[[], None]) -> Iterator[list[bool]]:
    """While the block runs, Ctrl-C calls ``action`` (stop, cancel, pause) instead of
    raising ``KeyboardInterrupt``, which could strike in the middle of a pipe read or a
    file write. The yielded list's first item tells whether it was pressed."""
    pressed = [False]

    def handler(_signum: int, _frame: FrameType | None) -> None:
        pressed[0] = True
        action()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def status(text: str) -> None:
    """A line for the person at the terminal (not when output goes to a file)."""
    if sys.stderr.isatty():
        print(text, file=sys.stderr, flush=True)


def show_progress(progress: Progress) -> None:
    """Progress on one line that is rewritten in place."""
    if sys.stderr.isatty():
        print(f"\r{progress.describe()[:100]:<100}", end="", file=sys.stderr, flush=True)


def clear_progress() -> None:
    if sys.stderr.isatty():
        print("\r" + " " * 100 + "\r", end="", file=sys.stderr, flush=True)
