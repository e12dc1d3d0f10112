"""Deleting a document, a library or a conversation leaves none of its words in any
file — checked with the stores opened in the clear, so that a byte-wise search proves
the deletion itself (secure delete, FTS5 secure-delete, the write-ahead log emptied) and
not merely the encryption on top of it. Summaries made of a deleted document go too."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushdesk import paths, sqlitedb
from hushdesk.app import App
from hushdesk.assistant.summarize import Options

MARKER = b"Snorkelwhistle"


@pytest.fixture
def see_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores without their key: plain SQLite files whose bytes can be searched."""
    monkeypatch.setattr(sqlitedb.Database, "_unlock", lambda _self, _db: None)


def holding_marker() -> list[str]:
    """The stores with the marker in one of their files (database, -wal, -shm)."""
    return sorted(
        {
            str(p.relative_to(paths.data_dir())).removesuffix("-wal").removesuffix("-shm")
            for p in paths.data_dir().rglob("*")
            if p.is_file() and MARKER in p.read_bytes()
        }
    )


def test_deleted_documents_libraries_and_conversations_leave_no_words(
    see_through: None, tmp_path: Path
) -> None:
    document = tmp_path / "memo.txt"
    document.write_text(
        f"Memo. The {MARKER.decode()} account is closed on Friday. " * 20, encoding="utf-8"
    )
    app = App()
    library = app.documents.library("Matters")
    assert app.library.ingest(library, [document]).events[-1].status == "done"
    record = app.documents.ready_file(library, str(document.resolve()))
    assert record is not None
    source = app.summaries.from_library(record.id)
    app.summaries.store.start(source, Options(mode="brief"), "a model")
    chat = app.conversations.store.create(title="About the account")
    app.conversations.store.add_message(chat.id, "user", f"What about {MARKER.decode()}?")
    assert holding_marker() == ["conversations.sqlite", "library.sqlite", "summaries.sqlite"]

    app.conversations.store.delete(chat.id)
    app.conversations.store.purge()
    app.documents.remove(library, [record.path])
    assert app.summaries.all() == []  # the summary of the removed document went with it
    assert holding_marker() == []

    assert app.library.ingest(library, [document]).events[-1].status == "done"
    assert holding_marker() == ["library.sqlite"]
    app.documents.delete(library)
    assert holding_marker() == []
    app.close()
    assert holding_marker() == []
