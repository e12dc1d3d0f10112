"""Matters on real SQLCipher stores: each has its own stores and key, the walls hold,
names are checked, deleting one destroys its key first, and a key change leaves the
other matters' stores readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushdesk import paths
from hushdesk.app import App
from hushdesk.services.matters import DEFAULT, DEFAULT_NAME, MatterError, Matters, clean_name
from tests.fakes import FakeEngine
from tests.keys import NEW_PASSPHRASE, write_private


@pytest.fixture
def app() -> App:
    made = App(engine=FakeEngine())
    yield made
    made.close()


def titles(app: App) -> list[str]:
    return [c.title for c in app.conversations.store.conversations()]


def test_the_first_matter_is_what_existed_and_cannot_be_deleted(app: App) -> None:
    assert [m.name for m in app.matters.list()] == [DEFAULT_NAME]
    assert app.matter.id == DEFAULT
    assert app.conversations.store.path == paths.conversations_db()  # nothing moved
    with pytest.raises(MatterError, match="emptied, not deleted"):
        app.matters.delete(app.matter)
    renamed = app.matters.rename(app.matter, "Own work")
    assert app.matters.get("own WORK").id == DEFAULT == renamed.id


def test_names_are_cleaned_unique_and_looked_up_in_any_case(app: App) -> None:
    assert clean_name("  Smith\u202e v.\n Jones\t ") == "Smith v. Jones"
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(MatterError):
            clean_name(bad)
    app.matters.add("Smith v. Jones")
    with pytest.raises(MatterError, match="already"):
        app.matters.add("smith V. JONES")
    with pytest.raises(MatterError, match="no matter called"):
        app.matters.get("Brown")
    assert [m.name for m in app.matters.list()] == [DEFAULT_NAME, "Smith v. Jones"]


def test_conversations_and_libraries_stay_in_their_matter(app: App) -> None:
    app.matters.add("Tenant")
    app.matters.add("Landlord")
    for name in ("Tenant", "Landlord"):
        app.open_matter(name)
        app.conversations.store.create(title=f"{name} appeal")
        app.library.library("docs")  # the same name in both: each matter has its own
    app.open_matter("Tenant")
    assert titles(app) == ["Tenant appeal"]
    assert [lib.name for lib in app.library.store.libraries()] == ["docs"]
    assert app.library.store.path.parent == paths.matter_dir(app.matter.id)
    app.open_matter("Landlord")
    assert titles(app) == ["Landlord appeal"]
    app.open_matter(DEFAULT_NAME)
    assert titles(app) == []


def test_a_matters_instructions_follow_every_system_prompt(app: App) -> None:
    matter = app.matters.add("Tenant", instructions="We act for the tenant.")
    app.open_matter("Tenant")
    from hushdesk.services.conversations import ChatSetup

    assert app.conversations.system_prompt(ChatSetup()).endswith(
        "Standing instructions for this matter: We act for the tenant."
    )
    app.matters.set_instructions(matter, "We act for the landlord.")
    app.refresh_matter()
    assert app.conversations.system_prompt(ChatSetup(instructions="Be brief.")) == (
        "Be brief.\n\nStanding instructions for this matter: We act for the landlord."
    )


def test_deleting_a_matter_destroys_its_key_then_its_stores(app: App) -> None:
    app.matters.add("Closed case")
    app.open_matter("Closed case")
    app.conversations.store.create(title="secret strategy")
    folder = paths.matter_dir(app.matter.id)
    sealed = paths.matters_file().read_bytes()
    assert b"Closed case" not in sealed  # the list of matters is sealed too
    app.delete_matter("Closed case")
    assert app.matter.id == DEFAULT  # the open matter was closed first
    assert not folder.exists()
    with pytest.raises(MatterError):
        app.matters.get("Closed case")


def test_a_deletion_cut_short_leaves_nothing_readable_and_is_finished_at_start(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    matter = app.matters.add("Cut short")
    app.open_matter("Cut short")
    app.conversations.store.create(title="half gone")
    app.open_matter(DEFAULT)
    folder = paths.matter_dir(matter.id)
    with monkeypatch.context() as patched:
        patched.setattr(Matters, "_remove_folder", staticmethod(lambda _f: None))
        app.matters.delete(matter)  # the key is gone, the folder is left (a crash)
    assert (folder / "conversations.sqlite").exists()
    Matters(app.vault)  # the next start
    assert not folder.exists()


def test_a_key_change_leaves_the_other_matters_readable(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.matters.add("Tenant")
    app.open_matter("Tenant")
    app.conversations.store.create(title="Tenant appeal")
    app.open_matter(DEFAULT)
    app.conversations.store.create(title="own note")
    app.keys.set_passphrase(NEW_PASSPHRASE)
    app.close()
    monkeypatch.setenv(
        "HUSHDESK_PASSPHRASE_FILE", str(write_private(tmp_path / "new", NEW_PASSPHRASE))
    )
    again = App(engine=FakeEngine(), matter="tenant")
    try:
        assert titles(again) == ["Tenant appeal"]
        again.open_matter(DEFAULT)
        assert titles(again) == ["own note"]
    finally:
        again.close()


def test_shared_libraries_are_kept_per_matter(app: App) -> None:
    from hushdesk.settings import SharedLibrarySettings

    app.shared.kept["docs"] = SharedLibrarySettings("https://chroma.example:8000")
    app.matters.add("Tenant")
    app.open_matter("Tenant")
    assert not app.shared.is_shared("docs")  # another matter's "docs"
    app.shared.kept["docs"] = SharedLibrarySettings("https://other.example:8000")
    assert app.shared.names() == ["docs"]
    app.open_matter(DEFAULT)
    assert app.shared.kept["docs"].url == "https://chroma.example:8000"
    assert app.shared.names() == ["docs"]


def test_retention_deletes_what_is_older_in_every_matter_that_asks_for_it(app: App) -> None:
    import time

    tenant = app.matters.add("Tenant")
    app.matters.add("Landlord")
    for name in ("Tenant", "Landlord", DEFAULT):
        app.open_matter(name)
        app.conversations.store.create(title=f"{name} chat")
    app.matters.set_retention(tenant, 30)
    app.matters.set_retention(app.matters.get("Landlord"), 30)
    app.open_matter("Landlord")
    assert app.apply_retention(now=time.time() + 29 * 86_400) == []  # not old enough
    went = app.apply_retention(now=time.time() + 31 * 86_400)  # an injected clock
    assert [p.describe() for p in went] == ["Landlord: 1 conversation", "Tenant: 1 conversation"]
    assert titles(app) == []  # the open matter's own store, as it is open
    app.open_matter(DEFAULT)
    assert titles(app) == [f"{DEFAULT} chat"]  # retention is off by default
    with pytest.raises(MatterError):
        app.matters.set_retention(tenant, 0)


def test_a_closed_matter_is_read_only_but_still_kept_to_its_retention(app: App) -> None:
    import time

    from hushdesk.errors import StoreError

    tenant = app.matters.add("Tenant")
    app.open_matter("Tenant")
    app.conversations.store.create(title="before closing")
    app.matters.set_retention(app.matters.close_matter(tenant), 30)
    app.refresh_matter()
    with pytest.raises(StoreError, match="“Tenant” is closed"):
        app.conversations.store.create(title="after closing")
    with pytest.raises(StoreError, match="is closed"):
        app.library.library("docs")
    assert titles(app) == ["before closing"]  # still readable
    went = app.apply_retention(now=time.time() + 31 * 86_400)
    assert [p.describe() for p in went] == ["Tenant: 1 conversation"]
    app.matters.close_matter(app.matter, closed=False)
    app.refresh_matter()
    app.conversations.store.create(title="reopened")
    assert titles(app) == ["reopened"]


def test_a_conversation_moves_whole_to_another_matter(app: App) -> None:
    from hushdesk.assistant.chat_store import NewMessage
    from hushdesk.assistant.citations import Citation
    from hushdesk.errors import StoreError

    store = app.conversations.store
    chat = store.create(title="Tenant's notice")
    cited = Citation(1, "/d/lease.pdf", "lease.pdf", 1, 3, True, "ninety days", 0, 5, 0.9)
    store.replace_tail(chat.id, None, [NewMessage("user", "How long?")])
    store.replace_tail(
        chat.id, None, [NewMessage("assistant", "Ninety days [1].", citations=(cited,))]
    )
    app.matters.add("Tenant")
    closed = app.matters.close_matter(app.matters.add("Closed"))
    with pytest.raises(StoreError, match="“Closed” is closed"):
        app.move_conversation(chat.id, closed.name)
    assert titles(app) == ["Tenant's notice"]  # a refused move leaves it where it was
    with pytest.raises(MatterError, match="already"):
        app.move_conversation(chat.id, DEFAULT)
    moved = app.move_conversation(chat.id, "Tenant")
    assert titles(app) == []
    app.open_matter("Tenant")
    assert titles(app) == ["Tenant's notice"]
    messages = app.conversations.store.messages(moved)
    assert [m.content for m in messages] == ["How long?", "Ninety days [1]."]
    assert messages[1].citations == (cited,)
