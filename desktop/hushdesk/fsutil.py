"""Small file helpers shared by every store of small state (settings, registry), and
the check that a file holding a secret is private."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from hushdesk.errors import HushdeskError, StoreError


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see either the old file or the new one, never half.

    The data is flushed to disk before the rename; a full disk leaves the old file intact.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise StoreError(f"Could not save {path.name}: {reason}.", detail=repr(exc)) from exc


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def replace_overwriting(path: Path, record: dict[str, Any]) -> None:
    """``path`` replaced atomically by ``record``; the old file's bytes are then
    overwritten through a handle kept across the rename (POSIX; Windows cannot replace
    an open file, so there the old bytes are only unlinked)."""
    old = None
    if os.name != "nt":
        with contextlib.suppress(OSError):
            old = path.open("r+b")
    try:
        atomic_write_json(path, record)
        if old is not None:
            with contextlib.suppress(OSError):
                old.write(os.urandom(max(old.seek(0, os.SEEK_END), 1)))
                old.flush()
                os.fsync(old.fileno())
    finally:
        if old is not None:
            old.close()


def read_json(path: Path) -> Any | None:
    """The parsed file, or ``None`` when it does not exist.

    A file that cannot be parsed is moved aside (``name.bad``) rather than lost or
    overwritten, and ``None`` is returned so the caller starts from defaults.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        aside = path.with_name(path.name + ".bad")
        with contextlib.suppress(OSError):
            path.replace(aside)
        return None


_WINDOWS = os.name == "nt"
LOCK_POLL_S = 0.05


def try_lock(handle: IO[bytes]) -> bool:
    """An exclusive lock on an open file, without waiting; False when another process
    holds it. Windows' ``msvcrt.locking`` locks a byte range from the file position, so
    every process locks byte 0; its own waiting mode gives up after ten seconds, so
    waiting is done here (``locked``)."""
    try:
        if _WINDOWS:
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def unlock(handle: IO[bytes]) -> None:
    """Let go of ``try_lock``'s lock (closing the file does too)."""
    with contextlib.suppress(OSError):
        if _WINDOWS:
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def locked(path: Path, *, wait: bool = True) -> Iterator[None]:
    """An exclusive lock between processes on ``path`` (a small lock file), for the block.

    With ``wait=False`` a lock held elsewhere raises ``BlockingIOError`` at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        while not try_lock(handle):
            if not wait:
                raise BlockingIOError(f"{path} is locked by another process")
            time.sleep(LOCK_POLL_S)
        try:
            yield
        finally:
            unlock(handle)


class NotPrivate(HushdeskError):
    """A file holding a secret can be read or changed by other accounts on this computer."""


def require_private_file(path: Path, what: str) -> None:
    """Refuse a secret's file (a passphrase, a token, a TLS key) that another account
    could read or change: it could have been copied, and taking it silently hides that.
    POSIX only (Windows files inherit their folder's access list, private under the
    user's profile; its ACLs are not read here)."""
    if os.name != "posix":
        return
    try:
        info = path.stat()
    except OSError as exc:
        raise NotPrivate(f"The {what} {path} cannot be read ({exc.strerror or exc}).") from exc
    if info.st_uid != os.getuid():
        raise NotPrivate(
            f"The {what} {path} belongs to another account; use a file of your own, "
            f"readable by you only (chmod 600 {path})."
        )
    if info.st_mode & 0o077:
        raise NotPrivate(
            f"The {what} {path} can be read or changed by other accounts on this computer "
            f"(mode {stat.S_IMODE(info.st_mode):o}), so it is not used. Make it private: "
            f"chmod 600 {path}"
        )
