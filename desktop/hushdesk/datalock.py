"""Who has the data folder open: every Hushdesk process that reads or writes the user's
data (the window, ``hushdesk serve``, any command) holds a lock on a small file of its
own under ``paths.in_use_dir()`` from start to close. A wipe or a key change needs the
data to itself: it takes the gate, and goes on only when no other process holds its file.

Why a file per process and not one shared lock: Windows' file locks have no shared mode,
and converting a POSIX shared lock to an exclusive one is not atomic. Here every lock is
exclusive and held by one process; a file whose lock can be taken is left by a process
that died and is removed. The gate (``gate.lock``) keeps a process from starting while a
wipe or a key change runs: it takes the gate for the moment it registers, and the
operation holds it throughout, so a new process fails with a clear message instead of
opening stores whose key is changing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from hushdesk import fsutil, paths
from hushdesk.errors import HushdeskError

GATE = "gate.lock"
GATE_WAIT_S = 5.0


class DataInUse(HushdeskError):
    """Another Hushdesk process has the data open, or is changing it."""


def _try_lock(handle: IO[bytes]) -> bool:
    return fsutil.try_lock(handle)


def _unlock(handle: IO[bytes]) -> None:
    fsutil.unlock(handle)
    handle.close()


@contextlib.contextmanager
def _gate(folder: Path, wait_s: float) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = (folder / GATE).open("a+b")
    deadline = time.monotonic() + wait_s
    while not _try_lock(handle):
        if time.monotonic() >= deadline:
            handle.close()
            raise DataInUse(
                "Hushdesk is changing your keys or deleting your data in another window "
                "or command; try again when it has finished."
            )
        time.sleep(0.05)
    try:
        yield
    finally:
        _unlock(handle)


class Hold:
    """This process has the data open until ``release()`` (idempotent)."""

    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self.path, self._handle = path, handle
        # A process that never released it (an App never closed) lets go when the hold
        # is gone, as it would at exit, instead of leaving the file open.
        self._finalizer = weakref.finalize(self, handle.close)

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        handle, self._handle = self._handle, None  # type: ignore[assignment]
        if handle is not None:
            self._finalizer.detach()
            _unlock(handle)
            with contextlib.suppress(OSError):
                self.path.unlink()


def hold(folder: Path | None = None) -> Hold:
    """Register this process as a user of the data (``DataInUse`` while a wipe or a key
    change runs)."""
    folder = folder or paths.in_use_dir()
    with _gate(folder, GATE_WAIT_S):
        while True:
            path = folder / f"{os.getpid()}-{secrets.token_hex(4)}.lock"
            try:
                handle = path.open("a+b")
            except OSError as exc:
                raise HushdeskError(
                    f"Cannot write in the data folder ({exc.strerror or exc}).", detail=repr(exc)
                ) from exc
            if _try_lock(handle):
                return Hold(path, handle)
            handle.close()  # pragma: no cover (a name taken twice)


def others(folder: Path | None = None) -> list[int]:
    """Process ids of the other live Hushdesk processes holding the data (files left by
    dead ones are removed on the way)."""
    folder = folder or paths.in_use_dir()
    alive: list[int] = []
    if not folder.is_dir():
        return alive
    for path in sorted(folder.glob("*.lock")):
        pid_text = path.name.split("-", 1)[0]
        if path.name == GATE or not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue  # this process coordinates its own users (the window closes first)
        try:
            handle = path.open("a+b")
        except OSError:
            continue
        if _try_lock(handle):
            _unlock(handle)
            with contextlib.suppress(OSError):
                path.unlink()
        else:
            handle.close()
            alive.append(int(pid_text))
    return alive


@contextlib.contextmanager
def alone(what: str, folder: Path | None = None) -> Iterator[None]:
    """The data to this process alone for the block: no other process has it open and
    none can start meanwhile; ``DataInUse`` (saying what to close) otherwise."""
    folder = folder or paths.in_use_dir()
    with _gate(folder, GATE_WAIT_S):
        running = others(folder)
        if running:
            raise DataInUse(in_use_message(running, f"{what} again"))
        yield


def in_use_message(running: list[int], then: str) -> str:
    return (
        f"Hushdesk is still open (the window, `hushdesk serve` or another command: "
        f"process {', '.join(map(str, running))}). Close it, then {then}."
    )
