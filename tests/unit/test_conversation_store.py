"""Conversations on real SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hushdesk.assistant import chat_export
from hushdesk.assistant.chat_schema import SCHEMA_VERSION
from hushdesk.assistant.chat_store import ConversationStore, NewMessage, auto_title
from hushdesk.assistant.citations import Citation, read_all
from hushdesk.errors import StoreError
from hushdesk.sqlitedb import fts_query
from tests.keys import TEST_KEY, connect


@pytest.fixture
def history(tmp_path: Path) -> ConversationStore:
    return ConversationStore(TEST_KEY, tmp_path / "c.sqlite")


def test_wal_schema_version_and_round_trip(history: ConversationStore) -> None:
    mode = history._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert history._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    c = history.create(persona="translator", model_id="m")
    history.add_message(c.id, "user", "Hello")
    history.add_message(c.id, "assistant", "Hi there", status="stopped", model_id="m")
    history.close()
    reopened = ConversationStore(TEST_KEY, history.path)
    conversation = reopened.get(c.id)
    assert conversation is not None
    assert conversation.persona == "translator"
    messages = reopened.messages(c.id)
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "Hello", "complete"),
        ("assistant", "Hi there", "stopped"),
    ]


def test_list_order_rename_pin_and_sampling(history: ConversationStore) -> None:
    a = history.create()
    b = history.create()
    history.add_message(a.id, "user", "newer activity")
    assert [c.id for c in history.conversations()] == [a.id, b.id]
    history.update(b.id, pinned=True, sampling={"temperature": 0.2})
    history.rename(a.id, "  Contract review ")
    conversations = history.conversations()
    assert [c.id for c in conversations] == [b.id, a.id]
    assert conversations[0].sampling == {"temperature": 0.2}
    assert conversations[1].title == "Contract review"
    assert not conversations[1].title_is_auto
    with pytest.raises(ValueError, match="unknown"):
        history.update(a.id, colour="red")


def test_delete_can_be_undone_until_purged(history: ConversationStore) -> None:
    c = history.create()
    history.add_message(c.id, "user", "keep me")
    history.delete(c.id)
    assert history.get(c.id) is None
    assert history.search("keep") == []
    history.undelete(c.id)
    assert history.get(c.id) is not None
    history.delete(c.id)
    history.purge()
    history.undelete(c.id)
    assert history.get(c.id) is None
    count = history._db.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert count == 0


def test_deleted_conversations_are_purged_on_restart(history: ConversationStore) -> None:
    c = history.create()
    history.delete(c.id)
    meanwhile = ConversationStore(TEST_KEY, history.path)  # `hushdesk` while Undo is offered
    meanwhile.close()
    history.undelete(c.id)
    assert history.get(c.id) is not None
    history.delete(c.id)
    with history._tx() as db:  # the app crashed before purging, an hour ago
        db.execute("UPDATE conversations SET deleted_at = deleted_at - 3600")
    history.close()
    reopened = ConversationStore(TEST_KEY, history.path)
    reopened.undelete(c.id)
    assert reopened.get(c.id) is None


SOURCE = Citation(1, "/docs/lease.pdf", "lease.pdf", 7, 3, True, "Notice: 30 days.", 0, 16, 0.8)


def test_a_stored_citation_that_is_not_one_is_left_out() -> None:
    damaged = [SOURCE.to_dict(), {"n": 1}, {**SOURCE.to_dict(), "page": "3"}, "x", None]
    assert read_all(damaged) == (SOURCE,)
    assert read_all({"n": 1}) == ()


def test_replace_tail_swaps_later_turns_in_one_step(history: ConversationStore) -> None:
    c = history.create()
    ids = [
        history.add_message(c.id, r, t).id
        for r, t in [("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2")]
    ]
    history.update(c.id, context_from=ids[2])
    history.replace_tail(
        c.id,
        ids[2],
        [NewMessage("user", "q2'"), NewMessage("assistant", "a2'", "stopped", (SOURCE,))],
    )
    assert [m.content for m in history.messages(c.id)] == ["q1", "a1", "q2'", "a2'"]
    assert history.messages(c.id)[-1].status == "stopped"
    assert history.messages(c.id)[-1].citations == (SOURCE,)  # read back typed
    conversation = history.get(c.id)
    assert conversation is not None
    assert conversation.context_from is None


def test_full_text_search_finds_old_words(history: ConversationStore) -> None:
    a = history.create(title="Lease")
    history.add_message(a.id, "user", "What is the notice period in the tenancy agreement?")
    b = history.create(title="Other")
    history.add_message(b.id, "assistant", "Café opening hours are 9 to 5.")
    hits = history.search("tenancy")
    assert [(h.conversation_id, h.title) for h in hits] == [(a.id, "Lease")]
    snippet, ((start, end),) = hits[0].snippet, hits[0].matches
    assert snippet.startswith("What is the notice")
    assert snippet[start:end] == "tenancy"
    assert history.search("notice per")[0].conversation_id == a.id  # prefix on the last word
    assert history.search("cafe")[0].conversation_id == b.id  # diacritics folded
    assert history.search('") OR (') == []  # operators are words, not syntax


def test_search_index_follows_deletes(history: ConversationStore) -> None:
    c = history.create()
    m = history.add_message(c.id, "user", "ephemeral zebra")
    history.replace_tail(c.id, m.id, [])
    assert history.search("zebra") == []


def test_export_markdown_and_json(history: ConversationStore) -> None:
    c = history.create(title="Export me")
    history.add_message(c.id, "user", "Question?")
    history.add_message(c.id, "assistant", "```python\nprint(1)\n```", status="stopped")
    conversation, messages = history.require(c.id), history.messages(c.id)
    markdown = chat_export.markdown(conversation, messages)
    assert markdown.startswith("# Export me\n")
    assert "## You\n\nQuestion?" in markdown
    assert "## Assistant *(stopped)*\n\n```python\nprint(1)\n```" in markdown
    data = json.loads(chat_export.as_json(conversation, messages))
    assert data["title"] == "Export me"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["status"] == "stopped"


def test_a_damaged_database_is_set_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    history = ConversationStore(TEST_KEY, path)
    assert history.recovered_from is not None
    assert history.recovered_from.read_bytes().startswith(b"this is not a database")
    assert history.conversations() == []


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with connect(path, TEST_KEY) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer Hushdesk"):
        ConversationStore(TEST_KEY, path)


def test_auto_title_and_query_helpers() -> None:
    assert auto_title("  \n# Summarise the lease for Mr. Jones\nthanks") == (
        "Summarise the lease for Mr. Jones"
    )
    long = auto_title("Please draft a detailed reply to the client explaining our fees and scope")
    assert long.endswith("…")
    assert len(long) <= 49
    assert auto_title("   ") == "New chat"
    assert fts_query("notice per") == '"notice" "per"*'
    assert fts_query("?!") == ""


def test_an_unopenable_database_is_an_error_not_damage(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-folder.sqlite"
    folder.mkdir()
    with pytest.raises(StoreError):
        ConversationStore(TEST_KEY, folder)
    assert folder.is_dir()
    assert list(tmp_path.iterdir()) == [folder]


def test_purge_overwrites_deleted_text(history: ConversationStore) -> None:
    c = history.create()
    history.add_message(c.id, "user", "confidential-marker-xyz")
    history.delete(c.id)
    history.purge()
    history.close()
    raw = b"".join(
        p.read_bytes() for p in history.path.parent.iterdir() if p.name.startswith("c.sqlite")
    )
    assert b"confidential-marker-xyz" not in raw
