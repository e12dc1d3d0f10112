"""The summary store: summarized sources with their text, finished and unfinished
summaries, and the output of every model step.

SQLite holds the text of every summarized source (so a summary reopens, resumes and
shows its pages even if the file moved), each summary with its options and status, and
the output of every model step (so a cancelled, crashed or killed job resumes without
redoing finished work). Deleting the last summary of a source deletes its text.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlcipher3.dbapi2 as sqlite3

from hushdesk import paths
from hushdesk.assistant.summarize.options import Options, modes
from hushdesk.assistant.summarize.results import Page, Source, Summary
from hushdesk.sqlitedb import Database

log = logging.getLogger("hushdesk.summarize")

Status = Literal["running", "done", "cancelled", "failed"]

SCHEMA = (
    """
    CREATE TABLE sources (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT,
        file_id INTEGER,
        paginated INTEGER NOT NULL,
        pages TEXT NOT NULL,  -- JSON [[number, text], …]
        warnings TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE TABLE summaries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL REFERENCES sources(key) ON DELETE CASCADE,
        options TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        result TEXT,  -- JSON of the Summary once done
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX summaries_by_source ON summaries (source);
    CREATE TABLE steps (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL REFERENCES sources(key) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        output TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX steps_by_source ON steps (source);
    """,
)


@dataclass(frozen=True)
class SavedSummary:
    id: int
    source: str
    name: str
    path: str | None
    file_id: int | None
    paginated: bool
    options: Options
    model: str
    status: Status
    error: str | None
    summary: Summary | None
    created_at: float
    updated_at: float

    @property
    def title(self) -> str:
        mode = modes().get(self.options.mode)
        return f"{mode.title if mode else self.options.mode} · {self.options.length}"

    def markdown(self, *, links: bool = False) -> str:
        if self.summary is None:
            return ""
        return self.summary.markdown(
            title=f"Summary of {self.name}" if not links else "", links=links
        )


class SummaryStore(Database):
    what = "summaries"
    migrations = SCHEMA

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        super().__init__(path or paths.summaries_db(), key)

    # -- steps (the Summarizer's cache)

    def get_step(self, key: str) -> str | None:
        rows = self._rows("SELECT output FROM steps WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def put_step(self, key: str, source: str, kind: str, output: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO steps (key, source, kind, output, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, source, kind, output, time.time()),
            )

    def step_count(self, source: str, kind: str | None = None) -> int:
        sql, args = "SELECT count(*) FROM steps WHERE source = ?", [source]
        if kind:
            sql, args = sql + " AND kind = ?", [source, kind]
        return int(self._rows(sql, args)[0][0])

    # -- sources

    def save_source(self, source: Source) -> None:
        pages = json.dumps(
            [[p.number, p.text, p.label] if p.label else [p.number, p.text] for p in source.pages],
            ensure_ascii=False,
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO sources (key, name, path, file_id, paginated, pages, warnings, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "name = excluded.name, path = coalesce(excluded.path, path), "
                "file_id = coalesce(excluded.file_id, file_id)",
                (
                    source.key,
                    source.name,
                    source.path,
                    source.file_id,
                    int(source.paginated),
                    pages,
                    json.dumps(list(source.warnings)),
                    time.time(),
                ),
            )

    def source(self, key: str) -> Source | None:
        rows = self._rows("SELECT * FROM sources WHERE key = ?", (key,))
        if not rows:
            return None
        row = rows[0]
        return Source(
            name=row["name"],
            pages=tuple(
                Page(int(n), str(t), *map(str, label)) for n, t, *label in json.loads(row["pages"])
            ),
            paginated=bool(row["paginated"]),
            path=row["path"],
            file_id=row["file_id"],
            warnings=tuple(json.loads(row["warnings"])),
        )

    def page_text(self, key: str, number: int) -> str:
        source = self.source(key)
        if source is None:
            return ""
        return next((p.text for p in source.pages if p.number == number), "")

    # -- summaries

    def start(self, source: Source, options: Options, model: str) -> int:
        self.save_source(source)
        now = time.time()
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO summaries (source, options, model, status, created_at, updated_at) "
                "VALUES (?, ?, ?, 'running', ?, ?)",
                (source.key, json.dumps(options.to_dict()), model, now, now),
            )
            return int(cursor.lastrowid or 0)

    def finish(
        self,
        summary_id: int,
        status: Status,
        *,
        summary: Summary | None = None,
        error: str | None = None,
    ) -> None:
        result = json.dumps(summary.to_dict(), ensure_ascii=False) if summary else None
        with self._tx() as db:
            db.execute(
                "UPDATE summaries SET status = ?, error = ?, result = ?, updated_at = ? "
                "WHERE id = ?",
                (status, error, result, time.time(), summary_id),
            )

    def restart(self, summary_id: int, model: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE summaries SET status = 'running', error = NULL, model = ?, "
                "updated_at = ? WHERE id = ?",
                (model, time.time(), summary_id),
            )

    def get(self, summary_id: int) -> SavedSummary | None:
        rows = self._rows(_SELECT + " WHERE s.id = ?", (summary_id,))
        return _saved(rows[0]) if rows else None

    def find(
        self, *, source: str | None = None, file_id: int | None = None, path: str | None = None
    ) -> list[SavedSummary]:
        """Newest first; all of them, or those of one source, library file or path."""
        clauses, args = [], []
        for column, value in (("s.source", source), ("src.file_id", file_id), ("src.path", path)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        where = " WHERE " + " OR ".join(clauses) if clauses else ""
        return [_saved(r) for r in self._rows(_SELECT + where + " ORDER BY s.id DESC", args)]

    def interrupted(self) -> list[SavedSummary]:
        """Jobs a quit or crash cut short (still marked running): now cancelled."""
        with self._tx() as db:
            db.execute(
                "UPDATE summaries SET status = 'cancelled', "
                "error = 'Interrupted: Hushdesk closed before it finished.' "
                "WHERE status = 'running'"
            )
        return [s for s in self.find() if s.status == "cancelled"]

    def delete_older_than(self, cutoff: float) -> int:
        """Summaries last changed before ``cutoff`` deleted, with the text and steps of
        documents no summary refers to any more (a matter's retention); how many."""
        with self._tx(upkeep=True) as db:
            gone = db.execute("DELETE FROM summaries WHERE updated_at < ?", (cutoff,)).rowcount
            db.execute(
                "DELETE FROM sources WHERE created_at < ? "
                "AND key NOT IN (SELECT source FROM summaries)",
                (cutoff,),
            )
        self.forget_copies()
        return int(gone)

    def delete(self, summary_id: int) -> None:
        with self._tx() as db:
            row = db.execute("SELECT source FROM summaries WHERE id = ?", (summary_id,)).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM summaries WHERE id = ?", (summary_id,))
            left = db.execute("SELECT count(*) FROM summaries WHERE source = ?", (row[0],))
            if int(left.fetchone()[0]) == 0:  # nothing refers to the text any more
                db.execute("DELETE FROM sources WHERE key = ?", (row[0],))
        self.forget_copies()

    def forget_files(self, file_ids: list[int]) -> int:
        """Documents deleted from a library: their text, and the summaries made of it,
        go too. Returns how many summaries went."""
        if not file_ids:
            return 0
        chosen = (json.dumps(file_ids),)
        with self._tx() as db:
            gone = db.execute(
                "SELECT count(*) FROM summaries WHERE source IN (SELECT key FROM sources "
                "WHERE file_id IN (SELECT value FROM json_each(?)))",
                chosen,
            ).fetchone()[0]
            db.execute(
                "DELETE FROM sources WHERE file_id IN (SELECT value FROM json_each(?))", chosen
            )
        self.forget_copies()
        return int(gone)


_SELECT = (
    "SELECT s.*, src.name, src.path, src.file_id, src.paginated FROM summaries s "
    "JOIN sources src ON src.key = s.source"
)


def _saved(r: sqlite3.Row) -> SavedSummary:
    result = r["result"]
    return SavedSummary(
        id=int(r["id"]),
        source=str(r["source"]),
        name=str(r["name"]),
        path=r["path"],
        file_id=r["file_id"],
        paginated=bool(r["paginated"]),
        options=Options.from_dict(json.loads(r["options"])),
        model=str(r["model"]),
        status=r["status"],
        error=r["error"],
        summary=Summary.from_dict(json.loads(result)) if result else None,
        created_at=float(r["created_at"]),
        updated_at=float(r["updated_at"]),
    )
