"""The conversation store: SQLite with WAL, a schema version with migrations, FTS5 search.

One connection, guarded by a lock, shared by the GUI thread (short reads) and the
worker that saves answers. Every write is its own transaction, committed at once,
so a crash loses at most the answer that was still being written.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlcipher3.dbapi2 as sqlite3

from hushdesk import paths
from hushdesk.assistant.chat_schema import MIGRATIONS
from hushdesk.assistant.citations import Citation, read_all
from hushdesk.errors import StoreError
from hushdesk.sqlitedb import (
    DamagedDatabase,
    Database,
    fts_query,
    fts_secure_delete,
)

log = logging.getLogger("hushdesk.conversations")
UNDO_GRACE_S = 120.0  # longer than the app offers Undo for

Status = Literal["complete", "stopped", "error"]


@dataclass
class Conversation:
    id: int
    title: str
    created_at: float
    updated_at: float
    pinned: bool = False
    persona: str = "general"
    system_prompt: str | None = None
    model_id: str | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    context_from: int | None = None
    title_is_auto: bool = True
    libraries: list[str] = field(default_factory=list)  # names of libraries it answers from


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    role: Literal["user", "assistant"]
    content: str
    status: Status
    created_at: float
    model_id: str | None = None
    citations: tuple[Citation, ...] = ()
    checks: tuple[dict[str, Any], ...] = ()
    reasoning: str = ""  # never sent back to the model
    thinking_s: float = 0.0
    images: tuple[bytes, ...] = ()  # PNG


@dataclass(frozen=True)
class NewMessage:
    role: Literal["user", "assistant"]
    content: str
    status: Status = "complete"
    citations: tuple[Citation, ...] = ()
    checks: tuple[dict[str, Any], ...] = ()
    reasoning: str = ""
    thinking_s: float = 0.0
    images: tuple[bytes, ...] = ()  # PNG, as the model gets them


MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # snippet() markers: private-use characters


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    message_id: int
    title: str
    snippet: str  # a few words around the match
    matches: tuple[tuple[int, int], ...] = ()  # where the search words are in ``snippet``

    @classmethod
    def from_marked(
        cls, conversation_id: int, message_id: int, title: str, marked: str
    ) -> SearchHit:
        """From a snippet with the matches between MARK_OPEN and MARK_CLOSE."""
        text, matches, start = "", [], 0
        for part in re.split(f"([{MARK_OPEN}{MARK_CLOSE}])", marked):
            if part == MARK_OPEN:
                start = len(text)
            elif part == MARK_CLOSE:
                matches.append((start, len(text)))
            else:
                text += part
        return cls(conversation_id, message_id, title, text, tuple(matches))


class ConversationStore(Database):
    what = "conversations"
    migrations = MIGRATIONS
    synchronous = "FULL"  # a completed message survives a power cut, not just a crash

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        path = path or paths.conversations_db()
        self.recovered_from: Path | None = None
        try:
            super().__init__(path, key)
        except DamagedDatabase as exc:
            self.recovered_from = self._set_aside(path, exc)
            super().__init__(path, key)

    def _opened(self, db: sqlite3.Connection) -> None:
        fts_secure_delete(db, "messages")
        # Undo is over for what was deleted a while ago (a crash before the purge);
        # something deleted just now may still be offered for Undo by the open app.
        db.execute(
            "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?",
            (time.time() - UNDO_GRACE_S,),
        )

    @staticmethod
    def _set_aside(path: Path, exc: Exception) -> Path:
        """A damaged database is kept (renamed), never deleted, and a new one started."""
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(path) + suffix)
            if source.exists():
                source.replace(Path(str(aside) + suffix))
        log.error("conversation database was damaged (%s); kept as %s", exc, aside)
        return aside

    _query = Database._rows

    # -- conversations ------------------------------------------------------------------

    def create(
        self,
        *,
        persona: str = "general",
        system_prompt: str | None = None,
        model_id: str | None = None,
        title: str = "New chat",
    ) -> Conversation:
        now = time.time()
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, created_at, updated_at, persona, system_prompt,"
                " model_id) VALUES (?, ?, ?, ?, ?, ?)",
                (title, now, now, persona, system_prompt, model_id),
            )
        conversation = self.get(int(cursor.lastrowid or 0))
        assert conversation is not None
        return conversation

    def add_whole(
        self,
        title: str,
        created_at: float,
        updated_at: float,
        messages: Sequence[NewMessage],
        *,
        like: Conversation | None = None,
    ) -> int:
        """A conversation from elsewhere (an import, another matter), with its own times,
        in one transaction: it is there whole or not at all. ``like``: a conversation
        whose setup (persona, instructions, model, sampling, libraries) it takes."""
        setup = like or Conversation(0, title, created_at, updated_at)
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, title_is_auto, created_at, updated_at, "
                "pinned, persona, system_prompt, model_id, sampling, libraries) "
                "VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    title, created_at, updated_at, int(setup.pinned), setup.persona,
                    setup.system_prompt, setup.model_id, json.dumps(setup.sampling),
                    json.dumps(setup.libraries),
                ),
            )  # fmt: skip
            conversation_id = int(cursor.lastrowid or 0)
            for m in messages:
                _insert(db, conversation_id, m, created_at, None)
        return conversation_id

    def remove(self, conversation_id: int) -> None:
        """Gone for good at once (moved to another matter: no Undo here)."""
        with self._tx() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        self.forget_copies()

    def get(self, conversation_id: int) -> Conversation | None:
        rows = self._query(
            "SELECT * FROM conversations WHERE id = ? AND deleted_at IS NULL", (conversation_id,)
        )
        return _conversation(rows[0]) if rows else None

    def conversations(self) -> list[Conversation]:
        rows = self._query(
            "SELECT * FROM conversations WHERE deleted_at IS NULL"
            " ORDER BY pinned DESC, updated_at DESC, id DESC"
        )
        return [_conversation(r) for r in rows]

    def update(self, conversation_id: int, **fields: Any) -> None:
        allowed = {
            "title",
            "title_is_auto",
            "pinned",
            "persona",
            "system_prompt",
            "model_id",
            "sampling",
            "context_from",
            "libraries",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown conversation fields: {sorted(unknown)}")
        for name in ("sampling", "libraries"):
            if name in fields:
                fields[name] = json.dumps(fields[name])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._tx() as db:
            db.execute(
                f"UPDATE conversations SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
                (*fields.values(), time.time(), conversation_id),
            )

    def rename(self, conversation_id: int, title: str) -> None:
        self.update(conversation_id, title=title.strip() or "New chat", title_is_auto=False)

    def delete(self, conversation_id: int) -> None:
        """Hidden at once; gone for good when ``purge`` runs (the app does after its Undo
        time and when it closes), or at the next open once ``UNDO_GRACE_S`` passed."""
        with self._tx() as db:
            db.execute(
                "UPDATE conversations SET deleted_at = ? WHERE id = ?",
                (time.time(), conversation_id),
            )

    def undelete(self, conversation_id: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,)
            )

    def delete_older_than(self, cutoff: float) -> int:
        """Conversations last changed before ``cutoff`` deleted for good (a matter's
        retention); how many."""
        with self._tx(upkeep=True) as db:
            gone = db.execute("DELETE FROM conversations WHERE updated_at < ?", (cutoff,)).rowcount
        self.forget_copies()
        return int(gone)

    def purge(self) -> None:
        """Delete for good, including the copies SQLite keeps in its write-ahead log."""
        with self._tx() as db:
            db.execute("DELETE FROM conversations WHERE deleted_at IS NOT NULL")
        self.forget_copies()

    # -- messages -----------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        role: Literal["user", "assistant"],
        content: str,
        *,
        status: Status = "complete",
        model_id: str | None = None,
    ) -> StoredMessage:
        (stored,) = self.replace_tail(
            conversation_id, None, [NewMessage(role, content, status)], model_id=model_id
        )
        return stored

    def replace_tail(
        self,
        conversation_id: int,
        from_id: int | None,
        new: Sequence[NewMessage],
        *,
        model_id: str | None = None,
        context_from: tuple[int | None, bool] = (None, False),
    ) -> list[StoredMessage]:
        """In one transaction: drop messages from ``from_id`` on (if given), append ``new``
        and, when ``context_from[1]`` is true, move the context start to ``context_from[0]``.
        """
        now = time.time()
        stored: list[StoredMessage] = []
        with self._tx() as db:
            if from_id is not None:
                db.execute(
                    "DELETE FROM messages WHERE conversation_id = ? AND id >= ?",
                    (conversation_id, from_id),
                )
            for m in new:
                message_id = _insert(db, conversation_id, m, now, model_id)
                stored.append(
                    StoredMessage(
                        message_id,
                        conversation_id,
                        m.role,
                        m.content,
                        m.status,
                        now,
                        model_id,
                        m.citations,
                        m.checks,
                        m.reasoning,
                        m.thinking_s,
                        m.images,
                    )
                )
            start, move = context_from
            if move:
                db.execute(
                    "UPDATE conversations SET context_from = ? WHERE id = ?",
                    (start, conversation_id),
                )
            elif from_id is not None:
                db.execute(
                    "UPDATE conversations SET context_from = NULL"
                    " WHERE id = ? AND context_from >= ?",
                    (conversation_id, from_id),
                )
            db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
        return stored

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        rows = self._query(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        pictures: dict[int, list[bytes]] = {}
        for row in self._query(
            "SELECT i.message_id, i.png FROM images i JOIN messages m ON m.id = i.message_id"
            " WHERE m.conversation_id = ? ORDER BY i.message_id, i.position",
            (conversation_id,),
        ):
            pictures.setdefault(row["message_id"], []).append(bytes(row["png"]))
        return [_message(r, tuple(pictures.get(r["id"], ()))) for r in rows]

    # -- search -------------------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        rows = self._query(
            "SELECT m.conversation_id, m.id, c.title,"
            " snippet(messages_fts, 0, ?, ?, '…', 12) AS snippet"
            " FROM messages_fts CROSS JOIN messages m ON m.id = messages_fts.rowid"  # index first
            " CROSS JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ? AND c.deleted_at IS NULL"
            " ORDER BY rank LIMIT ?",
            (MARK_OPEN, MARK_CLOSE, query, limit),
        )
        return [SearchHit.from_marked(r[0], r[1], r[2], r[3]) for r in rows]

    # -- export -------------------------------------------------------------------------

    def require(self, conversation_id: int) -> Conversation:
        conversation = self.get(conversation_id)
        if conversation is None:
            raise StoreError("That conversation no longer exists.")
        return conversation


def auto_title(first_message: str, limit: int = 48) -> str:
    """A title from the first question: its first line, cut at a word boundary."""
    line = next((ln.strip() for ln in first_message.splitlines() if ln.strip()), "")
    line = re.sub(r"\s+", " ", line).strip(" #*>-")
    if len(line) <= limit:
        return line or "New chat"
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut or line[:limit]).rstrip(",.;:") + "…"


def _conversation(row: sqlite3.Row) -> Conversation:
    try:
        sampling = json.loads(row["sampling"] or "{}")
    except json.JSONDecodeError:
        sampling = {}
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        pinned=bool(row["pinned"]),
        persona=row["persona"],
        system_prompt=row["system_prompt"],
        model_id=row["model_id"],
        sampling=sampling if isinstance(sampling, dict) else {},
        context_from=row["context_from"],
        title_is_auto=bool(row["title_is_auto"]),
        libraries=_json_list(row["libraries"]),
    )


def _insert(
    db: sqlite3.Connection, conversation_id: int, m: NewMessage, at: float, model_id: str | None
) -> int:
    """One message and its images; its id."""
    cursor = db.execute(
        "INSERT INTO messages (conversation_id, role, content, status, created_at, model_id,"
        " citations, checks, reasoning, thinking_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id, m.role, m.content, m.status, at, model_id,
            json.dumps([c.to_dict() for c in m.citations]), json.dumps(list(m.checks)),
            m.reasoning, m.thinking_s,
        ),
    )  # fmt: skip
    message_id = int(cursor.lastrowid or 0)
    db.executemany(
        "INSERT INTO images (message_id, position, png) VALUES (?, ?, ?)",
        [(message_id, n, image) for n, image in enumerate(m.images)],
    )
    return message_id


def _message(row: sqlite3.Row, images: tuple[bytes, ...] = ()) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=row["role"],
        content=row["content"],
        status=row["status"],
        created_at=row["created_at"],
        model_id=row["model_id"],
        citations=read_all(_json_list(row["citations"])),
        checks=tuple(c for c in _json_list(row["checks"]) if isinstance(c, dict)),
        reasoning=row["reasoning"],
        thinking_s=row["thinking_s"],
        images=images,
    )


def _json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []
