"""One SQLite connection shared under a lock, the way every Hushdesk store uses it.

Every store is encrypted with SQLCipher (AES-256, each page authenticated) under its own
key from the vault; a store written in the clear by an older Hushdesk is encrypted in
place on first open. WAL journal, secure delete, a schema version in ``user_version``
with migrations run in order, each write its own transaction, and SQLite's errors turned
into ``StoreError`` messages that name the store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import sqlcipher3.dbapi2 as sqlite3

from hushdesk.errors import StoreError

log = logging.getLogger("hushdesk.store")

SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
PLAINTEXT_HEADER = b"SQLite format 3\x00"


class DamagedDatabase(Exception):
    """The file is not a database, or a corrupt one."""


class Database:
    what: ClassVar[str] = "database"  # in messages: "Could not save the {what}"
    migrations: ClassVar[tuple[str, ...]] = ()
    synchronous: ClassVar[str] = "NORMAL"

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key
        self._lock = threading.RLock()
        self._db = self._connect()
        self._read_only = ""  # why nothing may be written, when that is so

    @property
    def read_only(self) -> bool:
        return bool(self._read_only)

    def set_read_only(self, why: str | None) -> None:
        """Nothing written while ``why`` is given (a closed matter's stores): SQLite
        refuses every change on this connection, and the error says ``why``."""
        with self._lock:
            self._db.execute(f"PRAGMA query_only = {'ON' if why else 'OFF'}")
            self._read_only = why or ""

    def _connect(self) -> sqlite3.Connection:
        try:
            encrypt_in_place(self.path, self._key)
            db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the {self.what} ({exc}).", detail=repr(exc)) from exc
        try:
            self._unlock(db)
            db.row_factory = sqlite3.Row
            pragmas = (
                "journal_mode = WAL",
                f"synchronous = {self.synchronous}",
                "foreign_keys = ON",
                "busy_timeout = 5000",
                "secure_delete = ON",  # deleted text is overwritten, not left in free pages
                "cache_size = -65536",  # 64 MiB of decrypted pages at most (SQLCipher: 2 MiB)
            )
            for pragma in pragmas:
                db.execute(f"PRAGMA {pragma}")
            self._migrate(db)
            self._opened(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if (exc.sqlite_errorcode or 0) & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
                raise DamagedDatabase(str(exc)) from exc
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"The {self.what} is in use by another program.", detail=repr(exc)
                ) from exc
            raise StoreError(f"Cannot open the {self.what} ({exc}).", detail=repr(exc)) from exc
        except BaseException:
            db.close()
            raise
        return db

    def _unlock(self, db: sqlite3.Connection) -> None:
        """The key, before anything else is read (bench/crypto.py skips it to compare)."""
        db.execute(f"PRAGMA key = {_raw_key(self._key)}")

    def _opened(self, db: sqlite3.Connection) -> None:
        """Hook: work to do on every open, after migrations."""

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(self.migrations):
            raise StoreError(
                f"{self.path.name} was written by a newer Hushdesk (schema {version}); "
                "update Hushdesk to open it."
            )
        for number in range(version, len(self.migrations)):
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements(self.migrations[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @contextmanager
    def _tx(self, *, upkeep: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction. ``upkeep``: one that runs even when the store is read-only
        (retention deleting what is too old)."""
        with self._lock:
            lifted = upkeep and self._read_only
            if lifted:
                self._db.execute("PRAGMA query_only = OFF")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:  # SQLite may have rolled back already
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    if self._read_only:
                        raise StoreError(self._read_only, detail=repr(exc)) from exc
                    reason = "the disk is full" if "full" in str(exc) else str(exc)
                    raise StoreError(
                        f"Could not save the {self.what}: {reason}.", detail=repr(exc)
                    ) from exc
                raise
            finally:
                if lifted:
                    self._db.execute("PRAGMA query_only = ON")

    def integrity_ok(self) -> bool:
        """SQLite's full integrity check passes (``hushdesk doctor``, tests)."""
        with self._lock:
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return [tuple(r) for r in rows] == [("ok",)]

    def copy_to(self, path: Path, key: bytes) -> None:
        """A consistent copy of the whole store, encrypted under ``key`` (SQLite's online
        backup: the store stays open, and a write elsewhere waits or is taken whole)."""
        with self._lock:
            target = sqlite3.connect(str(path), isolation_level=None)
            try:
                target.execute(f"PRAGMA key = {_raw_key(key)}")
                self._db.backup(target)
            except sqlite3.Error as exc:
                raise StoreError(
                    f"Could not copy the {self.what} ({exc}).", detail=repr(exc)
                ) from exc
            finally:
                target.close()

    def forget_copies(self) -> None:
        """After a deletion: old versions of the changed pages leave the write-ahead log
        (secure delete has overwritten them in the database file itself)."""
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            rows: list[sqlite3.Row] = self._db.execute(sql, tuple(args)).fetchall()
            return rows

    def rekey(self, key: bytes) -> None:
        """Encrypt the whole store under ``key`` from now on (a key change); the
        connection stays open and other threads wait for the store meanwhile."""
        with self._lock:
            rekey(self._db, self.path, key)
            self._key = key

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _raw_key(key: bytes) -> str:
    """SQLCipher's raw-key form: used as the AES key as is (no passphrase derivation,
    which the vault has done already), so opening a store costs nothing."""
    if len(key) != 32:
        raise ValueError("a store key is 32 bytes")
    return f"\"x'{key.hex()}'\""


def rekey(db: sqlite3.Connection, path: Path, key: bytes) -> None:
    """``PRAGMA rekey``: every page rewritten under ``key`` in one transaction.

    It runs in a rollback-journal mode, not in WAL: SQLCipher writes the journal's
    copies of the pages under the old key, so a crash midway leaves a hot journal that
    the next open *with the old key* rolls back — the store is then wholly under the old
    key, or (once the journal is gone) wholly under the new one, never mixed. The journal
    is kept (PERSIST) to be overwritten here rather than left in free blocks."""
    # "main." throughout: a temporary table (the library's fts5vocab view) opens the
    # temp schema, which a checkpoint or journal mode of every schema trips on
    _run(db, "PRAGMA main.wal_checkpoint(TRUNCATE)")
    _run(db, "PRAGMA main.journal_mode = PERSIST")
    _run(db, f"PRAGMA main.rekey = {_raw_key(key)}")
    shred(path.with_name(path.name + "-journal"))
    _run(db, "PRAGMA main.journal_mode = WAL")


def _run(db: sqlite3.Connection, sql: str) -> list[Any]:
    """A statement run to its end and closed: one left open (a PRAGMA's unread row)
    keeps a checkpoint or a change of journal mode from running."""
    cursor = db.execute(sql)
    try:
        rows: list[Any] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


def opens_with(path: Path, key: bytes) -> bool:
    """Whether ``key`` opens the store (a hot journal left by a crash is rolled back
    by this open, so try the key it was written under first)."""
    db = sqlite3.connect(str(path), isolation_level=None)
    try:
        db.execute(f"PRAGMA key = {_raw_key(key)}")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def copy_file(source: Path, key: bytes, target: Path, new_key: bytes) -> None:
    """A closed store copied whole to ``target``, under ``new_key`` (``StoreError`` when
    ``key`` does not open it, or it is damaged)."""
    db = sqlite3.connect(str(source), isolation_level=None)
    copy = sqlite3.connect(str(target), isolation_level=None)
    try:
        db.execute(f"PRAGMA key = {_raw_key(key)}")
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise StoreError(f"{source.name} is damaged.")
        copy.execute(f"PRAGMA key = {_raw_key(new_key)}")
        db.backup(copy)
    except sqlite3.Error as exc:
        raise StoreError(f"{source.name} cannot be read ({exc}).", detail=repr(exc)) from exc
    finally:
        copy.close()
        db.close()


def rekey_file(path: Path, old: bytes, new: bytes) -> bool:
    """A closed store moved from ``old`` to ``new``; True when it is under ``new`` now
    (also when it was already), False when neither key opens it (left as it is)."""
    if not path.exists() or is_plaintext(path):
        return True  # nothing, or an older version's store: encrypted under new on open
    if not opens_with(path, old):
        if not opens_with(path, new):
            return False
        # done before a crash: a journal kept from it holds pages under the old key
        shred(path.with_name(path.name + "-journal"))
        return True
    db = sqlite3.connect(str(path), isolation_level=None)
    try:
        db.execute(f"PRAGMA key = {_raw_key(old)}")
        rekey(db, path, new)
    finally:
        db.close()
    return True


def is_plaintext(path: Path) -> bool:
    """A database file in the clear (SQLCipher files start with random bytes)."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == PLAINTEXT_HEADER
    except OSError:
        return False


def shred(path: Path) -> None:
    """Overwrite a file, then remove it (best effort: an SSD or a copy-on-write file
    system may keep old blocks; the data key is what really protects them)."""
    with contextlib.suppress(OSError), path.open("r+b") as handle:
        _overwrite(handle)
    path.unlink(missing_ok=True)


def _overwrite(handle: BinaryIO) -> None:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    while size > 0:
        step = min(size, 1 << 20)
        handle.write(b"\0" * step)
        size -= step
    handle.flush()
    os.fsync(handle.fileno())


def encrypt_in_place(path: Path, key: bytes) -> bool:
    """Encrypt a plaintext database written by an older Hushdesk; True if it was one.

    The encrypted copy is written beside it and renamed over it in one step only when
    complete, so a crash leaves either the old file (the next open starts again) or the
    new one. The old file's bytes are then overwritten through a handle kept open
    across the rename."""
    if not is_plaintext(path):
        return False
    log.info("encrypting %s", path.name)
    encrypting = path.with_name(path.name + ".encrypting")
    encrypting.unlink(missing_ok=True)  # a copy an interrupted run left half written
    plain = sqlite3.connect(str(path), isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file
        user_version = int(plain.execute("PRAGMA user_version").fetchone()[0])
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY {_raw_key(key)}", (str(encrypting),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {user_version}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    with encrypting.open("rb+") as handle:
        os.fsync(handle.fileno())
    for journal in _journals(path):  # emptied by the checkpoint; not the new file's
        shred(journal)
    if os.name == "nt":  # pragma: no cover (an open file cannot be replaced on Windows)
        encrypting.replace(path)
        return True
    with path.open("r+b") as old:
        encrypting.replace(path)
        _overwrite(old)
    return True


def _journals(path: Path) -> list[Path]:
    return [
        p
        for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if p.exists()
    ]


def statements(script: str) -> list[str]:
    """Split a migration into statements; triggers contain ';' inside BEGIN … END."""
    out, buffer = [], ""
    for line in script.strip().splitlines():
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    return out


# -- full-text search ---------------------------------------------------------------------


_FTS_INDEX = """
    CREATE VIRTUAL TABLE @T_fts USING fts5 (
        @C, content='@T', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER @T_ai AFTER INSERT ON @T BEGIN
        INSERT INTO @T_fts (rowid, @C) VALUES (new.id, new.@C);
    END;
    CREATE TRIGGER @T_ad AFTER DELETE ON @T BEGIN
        INSERT INTO @T_fts (@T_fts, rowid, @C) VALUES ('delete', old.id, old.@C);
    END;
    CREATE TRIGGER @T_au AFTER UPDATE OF @C ON @T BEGIN
        INSERT INTO @T_fts (@T_fts, rowid, @C) VALUES ('delete', old.id, old.@C);
        INSERT INTO @T_fts (rowid, @C) VALUES (new.id, new.@C);
    END;
"""


def fts_index(table: str, column: str) -> str:
    """SQL (for a migration) that gives ``table.column`` a full-text index named
    ``<table>_fts``, kept in step with the table by triggers."""
    return _FTS_INDEX.replace("@T", table).replace("@C", column)


def fts_secure_delete(db: sqlite3.Connection, table: str) -> None:
    """Deleted text leaves no trace in the index either (needs SQLite 3.42+)."""
    with contextlib.suppress(sqlite3.Error):
        db.execute(f"INSERT INTO {table}_fts ({table}_fts, rank) VALUES ('secure-delete', 1)")  # noqa: S608


def fts_query(text: str) -> str:
    """User words → an FTS5 query: every word must match, the last one as a prefix."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)
