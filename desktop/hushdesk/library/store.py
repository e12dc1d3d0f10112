"""The document store: SQLite is the source of truth for libraries, files, pages and
chunks (with an FTS5 index for keyword search). The vector index is rebuilt from it.
Its keyword search is ``keywords.KeywordSearch``, its vectors ``vector_rows.VectorRows``,
its review grids ``grid_rows.GridRows``, its unfinished transcriptions
``transcript_rows.TranscriptRows``.

A file moves queued → parsing → embedding → done (or failed, with the reason).
Retrieval only ever sees chunks of files that are done, so a crash in the middle of
indexing never exposes half a document.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlcipher3.dbapi2 as sqlite3

from hushdesk import paths
from hushdesk.errors import StoreError
from hushdesk.library.chunker import Chunk
from hushdesk.library.document import LoadedDocument
from hushdesk.library.grid_rows import GRID_SCHEMA, GridRows
from hushdesk.library.keywords import KeywordSearch
from hushdesk.library.records import Library
from hushdesk.library.transcript_rows import TRANSCRIPT_SCHEMA, TranscriptRows
from hushdesk.library.vector_rows import VectorRows
from hushdesk.sqlitedb import fts_index, fts_secure_delete

__all__ = ["DocumentStore", "FileRecord", "Library", "Status", "StoredChunk"]

log = logging.getLogger("hushdesk.library")

Status = Literal["queued", "parsing", "embedding", "done", "failed"]

SCHEMA = (
    """
    CREATE TABLE libraries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        embedding_model TEXT NOT NULL,
        watch_folder TEXT,
        created_at REAL NOT NULL
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        library_id INTEGER NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT,
        size INTEGER,
        mtime REAL,
        status TEXT NOT NULL,
        error TEXT,
        kind TEXT,
        title TEXT,
        pages INTEGER,
        paginated INTEGER NOT NULL DEFAULT 1,
        warnings TEXT NOT NULL DEFAULT '[]',
        updated_at REAL NOT NULL,
        UNIQUE (library_id, path)
    );
    CREATE TABLE pages (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        scanned INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (file_id, number)
    );
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: a stale vector
                                               -- can never point at someone else's text
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX chunks_by_file ON chunks (file_id);
    """
    + fts_index("chunks", "text"),
    # Vectors live here, encrypted with everything else, not in a separate index on disk;
    # the version lets a process see that its in-memory copy of a library is stale.
    """
    ALTER TABLE libraries ADD COLUMN vectors_version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE vectors (
        chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
        library_id INTEGER NOT NULL,
        vector BLOB NOT NULL  -- float32, little-endian
    );
    CREATE INDEX vectors_by_library ON vectors (library_id);
    CREATE TRIGGER vectors_ai AFTER INSERT ON vectors BEGIN
        UPDATE libraries SET vectors_version = vectors_version + 1 WHERE id = new.library_id;
    END;
    CREATE TRIGGER vectors_ad AFTER DELETE ON vectors BEGIN
        UPDATE libraries SET vectors_version = vectors_version + 1 WHERE id = old.library_id;
    END;
    -- vectors of older versions sat in a Chroma folder in the clear: embedded again
    UPDATE files SET status = 'embedding' WHERE status = 'done' AND pages IS NOT NULL;
    """,
    # A large library's grouping (index.py), kept so that opening it does not group a
    # million rows again: the centres, and the group of each chunk id.
    """
    CREATE TABLE vector_groups (
        library_id INTEGER PRIMARY KEY REFERENCES libraries(id) ON DELETE CASCADE,
        dimensions INTEGER NOT NULL,
        centres BLOB NOT NULL,  -- float32, little-endian: groups x dimensions
        chunk_ids BLOB NOT NULL,  -- int64, ascending
        groups BLOB NOT NULL  -- int32: the group of each chunk id
    );
    """,
    # Where a passage is when its file has no pages or sections to cite: a spreadsheet's
    # sheet and row ("sheet Rents, row 7"); empty for everything else.
    """
    ALTER TABLE chunks ADD COLUMN label TEXT NOT NULL DEFAULT '';
    """,
    GRID_SCHEMA,
    TRANSCRIPT_SCHEMA,
    # A recording's length, for the file list (its "pages" are timed passages).
    """
    ALTER TABLE files ADD COLUMN duration_s REAL;
    """,
    # Vectors written from now on are float16 at length 1 (vector_rows.py); older rows
    # stay float32 and are read as such.
    """
    ALTER TABLE vectors ADD COLUMN half INTEGER NOT NULL DEFAULT 0;
    """,
    # Vectors are computed with the document's name above each passage (chunker.heading):
    # those of before are computed again from the stored text (nothing is read again).
    """
    UPDATE files SET status = 'embedding' WHERE status = 'done' AND pages IS NOT NULL;
    """,
)


@dataclass(frozen=True)
class FileRecord:
    id: int
    library_id: int
    path: str
    sha256: str | None
    status: Status
    error: str | None
    kind: str | None
    title: str | None
    pages: int | None
    paginated: bool
    warnings: list[str]
    size: int | None = None
    mtime: float | None = None
    duration_s: float | None = None  # a recording's length

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class StoredChunk:
    id: int
    file_id: int
    page: int
    start: int
    end: int
    text: str
    label: str = ""


class DocumentStore(KeywordSearch, VectorRows, GridRows, TranscriptRows):
    what = "document library"
    migrations = SCHEMA

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        super().__init__(path or paths.library_db(), key)

    def _opened(self, db: sqlite3.Connection) -> None:
        fts_secure_delete(db, "chunks")
        # How many passages hold each word (for keyword_search's budget); a view of the
        # full-text index, nothing stored.
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab "
            "USING fts5vocab(main, chunks_fts, row)"
        )

    # -- libraries ------------------------------------------------------------------------

    def library(self, name: str, *, embedding_model: str, create: bool = True) -> Library:
        rows = self._rows("SELECT * FROM libraries WHERE name = ?", (name,))
        if not rows:
            if not create:
                raise StoreError(f"There is no library called {name!r}.")
            with self._tx() as db:
                db.execute(
                    "INSERT INTO libraries (name, embedding_model, created_at) VALUES (?, ?, ?)",
                    (name, embedding_model, time.time()),
                )
            rows = self._rows("SELECT * FROM libraries WHERE name = ?", (name,))
        return _library(rows[0])

    def libraries(self) -> list[Library]:
        return [_library(r) for r in self._rows("SELECT * FROM libraries ORDER BY name")]

    def set_embedding_model(self, library: Library, model: str) -> Library:
        """A new embedding model makes every vector stale: all files are embedded again."""
        with self._tx() as db:
            db.execute("UPDATE libraries SET embedding_model = ? WHERE id = ?", (model, library.id))
            db.execute(
                "UPDATE files SET status = 'embedding', updated_at = ? "
                "WHERE library_id = ? AND status = 'done'",
                (time.time(), library.id),
            )
        return self.library(library.name, embedding_model=model)

    def set_watch_folder(self, library: Library, folder: str | None) -> None:
        with self._tx() as db:
            db.execute("UPDATE libraries SET watch_folder = ? WHERE id = ?", (folder, library.id))

    def delete_library(self, library: Library) -> list[int]:
        """Forget a library with everything in it; returns the ids its files had."""
        with self._tx() as db:
            ids = [
                r[0] for r in db.execute("SELECT id FROM files WHERE library_id = ?", (library.id,))
            ]
            db.execute("DELETE FROM libraries WHERE id = ?", (library.id,))
        self.forget_copies()
        return ids

    # -- files ----------------------------------------------------------------------------

    def files(self, library: Library, status: Status | None = None) -> list[FileRecord]:
        sql = "SELECT * FROM files WHERE library_id = ?"
        args: list[Any] = [library.id]
        if status:
            sql += " AND status = ?"
            args.append(status)
        return [_file(r) for r in self._rows(sql + " ORDER BY path", args)]

    def file(self, library: Library, path: str) -> FileRecord | None:
        rows = self._rows(
            "SELECT * FROM files WHERE library_id = ? AND path = ?", (library.id, path)
        )
        return _file(rows[0]) if rows else None

    def file_by_id(self, file_id: int) -> FileRecord | None:
        rows = self._rows("SELECT * FROM files WHERE id = ?", (file_id,))
        return _file(rows[0]) if rows else None

    def done_with_hash(self, library: Library, sha256: str) -> FileRecord | None:
        rows = self._rows(
            "SELECT * FROM files WHERE library_id = ? AND sha256 = ? AND status = 'done'",
            (library.id, sha256),
        )
        return _file(rows[0]) if rows else None

    def queue(self, library: Library, path: str, *, sha256: str, size: int, mtime: float) -> int:
        with self._tx() as db:
            db.execute(
                "INSERT INTO files (library_id, path, sha256, size, mtime, status, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'queued', ?) ON CONFLICT (library_id, path) DO UPDATE "
                "SET sha256 = excluded.sha256, size = excluded.size, mtime = excluded.mtime, "
                "status = 'queued', error = NULL, updated_at = excluded.updated_at",
                (library.id, path, sha256, size, mtime, time.time()),
            )
            row = db.execute(
                "SELECT id FROM files WHERE library_id = ? AND path = ?", (library.id, path)
            ).fetchone()
        return int(row[0])

    def set_status(self, file_id: int, status: Status, error: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE files SET status = ?, error = ?, updated_at = ? WHERE id = ?",
                (status, error, time.time(), file_id),
            )

    def mark_duplicate(self, file_id: int, twin: str) -> list[int]:
        """Same bytes as ``twin``: listed as ready, not indexed twice. Any passages it had
        (an earlier version) go; returns their ids for the index to drop."""
        note = json.dumps([f"Same content as {twin}; its passages are not indexed twice."])
        with self._tx() as db:
            old = [r[0] for r in db.execute("SELECT id FROM chunks WHERE file_id = ?", (file_id,))]
            db.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
            db.execute("DELETE FROM pages WHERE file_id = ?", (file_id,))
            db.execute(
                "UPDATE files SET status = 'done', error = NULL, warnings = ?, pages = NULL, "
                "updated_at = ? WHERE id = ?",
                (note, time.time(), file_id),
            )
        return old

    def replace_content(
        self, file_id: int, document: LoadedDocument, chunks: list[Chunk]
    ) -> tuple[list[int], list[int]]:
        """Pages and chunks of a file, swapped in one transaction; the file is then
        "embedding". Returns (old chunk ids to drop from the index, new chunk ids)."""
        with self._tx() as db:
            old = [r[0] for r in db.execute("SELECT id FROM chunks WHERE file_id = ?", (file_id,))]
            db.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
            db.execute("DELETE FROM pages WHERE file_id = ?", (file_id,))
            db.executemany(
                "INSERT INTO pages (file_id, number, text, scanned) VALUES (?, ?, ?, ?)",
                [(file_id, p.number, p.text, int(p.scanned)) for p in document.pages],
            )
            new = []
            for chunk in chunks:
                cursor = db.execute(
                    "INSERT INTO chunks (file_id, page, start, end, text, label) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (file_id, chunk.page, chunk.start, chunk.end, chunk.text, chunk.label),
                )
                new.append(int(cursor.lastrowid or 0))
            db.execute(
                "UPDATE files SET status = 'embedding', error = NULL, kind = ?, title = ?, "
                "pages = ?, paginated = ?, warnings = ?, duration_s = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    document.kind,
                    document.title,
                    len(document.pages),
                    int(document.paginated),
                    json.dumps(document.warnings),
                    document.duration_s,
                    time.time(),
                    file_id,
                ),
            )
        return old, new

    def remove_file(self, file_id: int) -> list[int]:
        """Forget a file; returns its chunk ids for the index to drop."""
        with self._tx() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM chunks WHERE file_id = ?", (file_id,))]
            db.execute("DELETE FROM files WHERE id = ?", (file_id,))
        self.forget_copies()
        return ids

    # -- chunks ---------------------------------------------------------------------------

    def chunks_of(self, file_id: int) -> list[StoredChunk]:
        rows = self._rows("SELECT * FROM chunks WHERE file_id = ? ORDER BY id", (file_id,))
        return [_chunk(r) for r in rows]

    def chunks(self, library: Library, ids: Sequence[int]) -> dict[int, StoredChunk]:
        """Chunks of this library by id, of files that are completely indexed only."""
        if not ids:
            return {}
        sql = (  # the wanted ids first, each looked up: no scan of the library's chunks
            "SELECT c.* FROM json_each(?) AS wanted "
            "CROSS JOIN chunks c ON c.id = wanted.value "
            "CROSS JOIN files f ON f.id = c.file_id "
            "WHERE f.library_id = ? AND f.status = 'done'"
        )
        return {r["id"]: _chunk(r) for r in self._rows(sql, [json.dumps(list(ids)), library.id])}

    def library_by_id(self, library_id: int) -> Library | None:
        rows = self._rows("SELECT * FROM libraries WHERE id = ?", (library_id,))
        return _library(rows[0]) if rows else None

    def requeue_duplicates_of(self, library: Library, sha256: str) -> None:
        """The file others were duplicates of is gone: index one of them for real."""
        with self._tx() as db:
            db.execute(
                "UPDATE files SET status = 'queued', warnings = '[]', updated_at = ? "
                "WHERE library_id = ? AND sha256 = ? AND status = 'done' AND pages IS NULL",
                (time.time(), library.id, sha256),
            )

    def pages(self, file_id: int) -> list[tuple[int, str]]:
        rows = self._rows(
            "SELECT number, text FROM pages WHERE file_id = ? ORDER BY number", (file_id,)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def page_text(self, file_id: int, number: int) -> str:
        rows = self._rows(
            "SELECT text FROM pages WHERE file_id = ? AND number = ?", (file_id, number)
        )
        return str(rows[0][0]) if rows else ""

    def done_signature(self, library: Library) -> tuple[int, int]:
        """Changes whenever a file joins or leaves ``library``'s indexed ones: how many
        there are, and the newest one's id (ids are never reused)."""
        rows = self._rows(
            "SELECT count(*), coalesce(max(id), 0) FROM files "
            "WHERE library_id = ? AND status = 'done'",
            (library.id,),
        )
        return int(rows[0][0]), int(rows[0][1])

    def chunk_count(self, library: Library) -> int:
        rows = self._rows(
            "SELECT count(*) FROM chunks c JOIN files f ON f.id = c.file_id "
            "WHERE f.library_id = ? AND f.status = 'done'",
            (library.id,),
        )
        return int(rows[0][0])


def _library(row: sqlite3.Row) -> Library:
    return Library(row["id"], row["name"], row["embedding_model"], row["watch_folder"])


def _file(row: sqlite3.Row) -> FileRecord:
    try:
        warnings = json.loads(row["warnings"] or "[]")
    except json.JSONDecodeError:
        warnings = []
    return FileRecord(
        id=row["id"],
        library_id=row["library_id"],
        path=row["path"],
        sha256=row["sha256"],
        status=row["status"],
        error=row["error"],
        kind=row["kind"],
        title=row["title"],
        pages=row["pages"],
        paginated=bool(row["paginated"]),
        warnings=list(warnings),
        size=row["size"],
        mtime=row["mtime"],
        duration_s=row["duration_s"],
    )


def _chunk(row: sqlite3.Row) -> StoredChunk:
    return StoredChunk(
        row["id"], row["file_id"], row["page"], row["start"], row["end"], row["text"], row["label"]
    )
