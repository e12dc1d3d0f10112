"""Terminal helpers shared by the command-line modules."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType


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
