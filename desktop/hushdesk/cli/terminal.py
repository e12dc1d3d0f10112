"""Terminal helpers shared by the commands: Ctrl-C, status lines, progress, exit codes."""

from __future__ import annotations

import contextlib
import re
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken, Progress

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

T = TypeVar("T")

# C0 controls but tab and newline, DEL, C1 controls, bidirectional overrides: text from
# a model or a file name could otherwise move the cursor, recolour, retitle or
# rewrite what is on the terminal, or show a name reversed.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Untrusted text (model output, document text, file and model names) made safe
    to print: control characters and escape sequences lose their power."""
    return _CONTROLS.sub("", text)


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
    """A line for the person at the terminal (not when output goes to a file); it may
    name a model a server listed, so it is made printable."""
    if sys.stderr.isatty():
        print(printable(text), file=sys.stderr, flush=True)


def show_progress(progress: Progress) -> None:
    """Progress on one line that is rewritten in place."""
    if sys.stderr.isatty():
        line = printable(progress.describe())[:100]
        print(f"\r{line:<100}", end="", file=sys.stderr, flush=True)


def clear_progress() -> None:
    if sys.stderr.isatty():
        print("\r" + " " * 100 + "\r", end="", file=sys.stderr, flush=True)


def interruptible(
    work: Callable[[CancelToken], T], *, stopped: str = "Stopped.", pause: bool = False
) -> T | None:
    """Run a job whose token Ctrl-C cancels (or pauses, keeping its work for the next
    run). None, after saying ``stopped``, when it was stopped."""
    token = CancelToken()
    try:
        with on_ctrl_c(token.pause if pause else token.cancel):
            return work(token)
    except Cancelled:
        clear_progress()
        print(stopped, file=sys.stderr)
        return None
    finally:
        clear_progress()


def timed(times: tuple[float, float] | None) -> dict[str, float]:
    """A source's place in a recording, as ``--json`` writes it (nothing for a page)."""
    return {"start_s": times[0], "end_s": times[1]} if times else {}
