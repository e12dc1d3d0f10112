"""The draft store: saved drafts and the user's own templates (SQLite)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from hushdesk import paths
from hushdesk.assistant.email.draft import Draft
from hushdesk.assistant.email.templates import Template
from hushdesk.sqlitedb import Database

SCHEMA = (
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,  -- JSON of the Draft
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL,  -- JSON of the Template
        updated_at REAL NOT NULL
    );
    """,
)


class DraftStore(Database):
    what = "drafts"
    migrations = SCHEMA

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        super().__init__(path or paths.drafts_db(), key)

    def save(self, draft: Draft) -> Draft:
        """Insert, or update when the draft has an id; returns it with its id."""
        now = time.time()
        with self._tx() as db:
            if draft.id is None:
                cursor = db.execute(
                    "INSERT INTO drafts (kind, subject, data, created_at, updated_at) "
                    "VALUES (?, ?, '{}', ?, ?)",
                    (draft.request.kind, draft.subject, now, now),
                )
                draft = replace(draft, id=cursor.lastrowid)
            data = json.dumps(draft.to_dict(), ensure_ascii=False)
            db.execute(
                "UPDATE drafts SET kind = ?, subject = ?, data = ?, updated_at = ? WHERE id = ?",
                (draft.request.kind, draft.subject, data, now, draft.id),
            )
        return draft

    def get(self, draft_id: int) -> Draft | None:
        rows = self._rows("SELECT data FROM drafts WHERE id = ?", (draft_id,))
        return Draft.from_dict(json.loads(rows[0][0])) if rows else None

    def drafts(self, limit: int = 200) -> list[tuple[Draft, float]]:
        """Newest first, each with when it was last changed."""
        rows = self._rows(
            "SELECT data, updated_at FROM drafts ORDER BY updated_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [(Draft.from_dict(json.loads(r[0])), float(r[1])) for r in rows]

    def delete_older_than(self, cutoff: float) -> int:
        """Drafts last changed before ``cutoff`` deleted (a matter's retention); how many.
        The user's own templates stay."""
        with self._tx(upkeep=True) as db:
            gone = db.execute("DELETE FROM drafts WHERE updated_at < ?", (cutoff,)).rowcount
        self.forget_copies()
        return int(gone)

    def delete(self, draft_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def templates(self) -> list[Template]:
        rows = self._rows("SELECT data FROM templates ORDER BY json_extract(data, '$.name')")
        return [Template.from_dict(json.loads(r[0])) for r in rows]

    def put_template(self, template: Template) -> None:
        data = json.dumps(template.to_dict(), ensure_ascii=False)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO templates (id, data, updated_at) VALUES (?, ?, ?)",
                (template.id, data, time.time()),
            )

    def delete_template(self, template_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM templates WHERE id = ?", (template_id,))
