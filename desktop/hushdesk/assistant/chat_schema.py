"""The conversation store's schema: each migration in order, the schema version the
number of them (``sqlitedb.Database`` runs those a database has not had yet)."""

from __future__ import annotations

from hushdesk.sqlitedb import fts_index

MIGRATIONS: tuple[str, ...] = (
    # 1: conversations, messages, full-text index kept in sync by triggers
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT 'New chat',
        title_is_auto INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        persona TEXT NOT NULL DEFAULT 'general',
        system_prompt TEXT,
        model_id TEXT,
        sampling TEXT NOT NULL DEFAULT '{}',
        context_from INTEGER,
        deleted_at REAL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'stopped', 'error')),
        created_at REAL NOT NULL,
        model_id TEXT
    );
    CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
    """
    + fts_index("messages", "content"),
    # 2: answers grounded in document libraries keep their sources
    """
    ALTER TABLE messages ADD COLUMN citations TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE conversations ADD COLUMN libraries TEXT NOT NULL DEFAULT '[]';
    """,
    # 3: and how each sentence fared against them (grounding.Check)
    "ALTER TABLE messages ADD COLUMN checks TEXT NOT NULL DEFAULT '[]';",
    # 4: a reasoning model's thinking, apart from the answer, and the time it took
    """
    ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN thinking_s REAL NOT NULL DEFAULT 0;
    """,
    # 5: images sent with a message (PNG, as the model got them), in their order
    """
    CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        png BLOB NOT NULL
    );
    CREATE INDEX images_by_message ON images (message_id, position);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
