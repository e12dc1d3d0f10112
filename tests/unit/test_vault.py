"""The data key: created, unlocked three ways, changed, destroyed; stores encrypted with
it, plaintext stores of an older version encrypted in place; nothing personal in the
clear settings file; a wipe that leaves nothing of the user."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.compat import properties

from hushdesk import paths, settings
from hushdesk.assistant.chat_store import ConversationStore
from hushdesk.passphrases import normalise_recovery_key
from hushdesk.sealed import SealedJson, subkey
from hushdesk.services.keys import Keys
from hushdesk.services.wipe import wipe
from hushdesk.sqlitedb import PLAINTEXT_HEADER, encrypt_in_place, is_plaintext
from hushdesk.vault import Locked, NoKeychain, Vault, WrongKey
from tests.keys import TEST_KEY, TEST_PASSPHRASE, connect


class MemoryKeychain(KeyringBackend):
    """Stands in for the OS keychain (CI has no Secret Service to talk to)."""

    @properties.classproperty
    def priority(cls) -> float:
        return 10

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def keychain() -> Iterator[MemoryKeychain]:
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeychain()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_a_passphrase_vault_unlocks_only_with_its_passphrase(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "keys.json")
    key = vault.create(passphrase=TEST_PASSPHRASE)
    record = (tmp_path / "keys.json").read_text()
    assert key.hex() not in record
    assert TEST_PASSPHRASE not in record
    assert json.loads(record)["wraps"]["passphrase"]["kdf"] == "argon2id"

    again = Vault(tmp_path / "keys.json")
    with pytest.raises(Locked):
        _ = again.key
    with pytest.raises(WrongKey):
        again.unlock("not the passphrase")
    again.unlock(TEST_PASSPHRASE)
    assert again.key == key
    assert again.store_key("library") != again.store_key("conversations") != key
    again.lock()
    with pytest.raises(Locked):
        again.store_key("library")


# A keys.json written by an earlier Hushdesk (data key bytes 0..31, passphrase below)
# and the store keys it gave: the argon2id wrap and the HKDF must keep giving them, or
# existing data stops opening.
EARLIER_KEYS = {
    "check": "GZosdU5xJ9rTvyvL6ulJo2XZJ7acpwtfPsRMO78T1/8oaY5F",
    "format": 1,
    "id": "00000000000000000000000000000000",
    "wraps": {
        "passphrase": {
            "kdf": "argon2id",
            "memory_cost": 65536,
            "parallelism": 4,
            "salt": "VnBG+9PDRJV051MGNX/NkQ==",
            "sealed": (
                "X5+lRwDw+LFkDWSmlsC+5QFXKs/lpjbXlMt5Hz1oxK5qP24Zi6fBVCcAvu/Ny7hju894CnaJuZDS5ZWH"
            ),
            "time_cost": 3,
        }
    },
}
EARLIER_STORE_KEYS = {
    "conversations": "97d48906aad16db3317fda78d85bb1563f75f6b28109f6888316efd9079b1cc5",
    "library": "ad426bbdb8c575546c7801f23e179ca4d8bf92d9fcb5935a0d01366d463b38c0",
}


def test_an_earlier_key_file_opens_and_gives_the_same_store_keys(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text(json.dumps(EARLIER_KEYS))
    vault = Vault(tmp_path / "keys.json")
    vault.unlock("correct horse battery")
    assert vault.key == bytes(range(32))
    for name, key in EARLIER_STORE_KEYS.items():
        assert vault.store_key(name).hex() == key
    assert subkey(b"\x07" * 32, "store:tests").hex() == (
        "5915e40fa2ee0d7c05d2d73112d06e3192fc2401e787e1abf6ea745d5198736e"
    )


def test_passphrases_are_long_enough_and_can_change(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "keys.json")
    with pytest.raises(WrongKey, match="at least 8"):
        vault.create(passphrase="short")
    key = vault.create(passphrase=TEST_PASSPHRASE)
    Keys(vault).set_passphrase("a new and longer one")
    with pytest.raises(WrongKey, match="at least 8"):
        Keys(vault).set_passphrase("tiny")
    again = Vault(tmp_path / "keys.json")
    with pytest.raises(WrongKey):
        again.unlock(TEST_PASSPHRASE)
    again.unlock("a new and longer one")
    assert again.key != key  # a new data key (test_key_rotation: the stores follow)
    assert again.key == vault.key
    with pytest.raises(WrongKey, match="keychain"):
        Keys(again).set_passphrase(None)  # would leave no way in
    assert not again.rotating


def test_the_recovery_key_opens_when_the_passphrase_is_forgotten(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "keys.json")
    key = vault.create(passphrase=TEST_PASSPHRASE)
    code = vault.new_recovery_key()
    assert len(code) == 34
    assert code.count("-") == 6
    assert code not in (tmp_path / "keys.json").read_text()
    forgot = Vault(tmp_path / "keys.json")
    forgot.unlock_with_recovery_key(" " + code.lower().replace("-", " ") + "\n")  # as typed
    assert forgot.key == key
    newer = Keys(forgot).set_passphrase("a fresh passphrase")  # then a new passphrase
    assert newer is not None  # and, as the data key changed, a new recovery key
    assert normalise_recovery_key(code.replace("-", "")) == code
    with pytest.raises(WrongKey):
        Vault(tmp_path / "keys.json").unlock_with_recovery_key(code)  # the old one is void
    Vault(tmp_path / "keys.json").unlock_with_recovery_key(newer)
    Vault(tmp_path / "keys.json").unlock("a fresh passphrase")


def test_the_keychain_unlocks_without_typing(tmp_path: Path, keychain: MemoryKeychain) -> None:
    vault = Vault(tmp_path / "keys.json")
    key = vault.create(keychain=True)
    assert vault.methods() == ["keychain"]
    assert key.hex() not in (tmp_path / "keys.json").read_text()
    again = Vault(tmp_path / "keys.json")
    assert again.unlock_keychain()
    assert again.key == key
    with pytest.raises(WrongKey, match="passphrase before"):
        again.set_keychain(False)
    Keys(again).set_passphrase(TEST_PASSPHRASE)  # a first one: nothing stops working
    assert again.key == key
    again.set_keychain(False)
    assert keychain.secrets == {}
    assert not Vault(tmp_path / "keys.json").unlock_keychain()
    again.destroy()
    assert not (tmp_path / "keys.json").exists()


def test_no_keychain_means_a_passphrase(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "keys.json")  # this machine has no keychain backend
    with pytest.raises(NoKeychain):
        vault.create(keychain=True)
    assert not vault.exists()


def test_stores_are_encrypted_and_refuse_another_key(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    history = ConversationStore(TEST_KEY, path)
    chat = history.create(title="Marker Zyxwv")
    history.add_message(chat.id, "user", "the zyxwvutsr clause")
    history.close()
    assert not is_plaintext(path)
    assert b"zyxwvutsr" not in path.read_bytes()
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(path) as raw:
        raw.execute("SELECT * FROM messages").fetchall()
    other = ConversationStore(bytes(32), path)  # the wrong key: the file is kept aside
    assert other.recovered_from is not None
    assert other.conversations() == []
    other.close()
    kept = ConversationStore(TEST_KEY, other.recovered_from)
    assert [c.title for c in kept.conversations()] == ["Marker Zyxwv"]
    kept.close()


def test_a_plaintext_store_of_an_older_version_is_encrypted_in_place(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as plain:
        plain.execute("CREATE TABLE notes (text TEXT)")
        plain.execute("INSERT INTO notes VALUES ('the qwertzuiop matter')")
    plain.close()
    assert is_plaintext(path)
    assert encrypt_in_place(path, TEST_KEY)
    assert not is_plaintext(path)
    assert b"qwertzuiop" not in path.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["c.sqlite"]  # no plaintext copy left
    assert not encrypt_in_place(path, TEST_KEY)  # done once


def test_an_interrupted_encryption_finishes_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as plain:
        plain.execute("CREATE TABLE notes (text TEXT)")
        plain.execute("INSERT INTO notes VALUES ('the asdfghjkl matter')")
    plain.close()
    (tmp_path / "c.sqlite.encrypting").write_bytes(b"half written")  # killed mid-copy
    assert encrypt_in_place(path, TEST_KEY)
    assert not encrypt_in_place(path, TEST_KEY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite"]
    with connect(path, TEST_KEY) as db:
        assert db.execute("SELECT text FROM notes").fetchall() == [("the asdfghjkl matter",)]
    db.close()


def test_personal_settings_are_sealed_and_moved_out_of_the_clear_file(tmp_path: Path) -> None:
    clear = tmp_path / "settings.json"
    clear.write_text(
        json.dumps({"ui": {"theme": "dark"}, "email": {"signature": "Dr. Quillfeather"}})
    )
    loaded = settings.load(clear)
    box = SealedJson(tmp_path / "profile.sealed", TEST_KEY, "profile")
    loaded.attach_private(box)
    assert "Quillfeather" not in clear.read_text()
    assert b"Quillfeather" not in (tmp_path / "profile.sealed").read_bytes()
    reread = settings.load(clear)
    assert reread.email.signature == ""
    reread.attach_private(box)
    assert (reread.email.signature, reread.ui.theme) == ("Dr. Quillfeather", "dark")


def test_two_processes_do_not_undo_each_others_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    app, cli = settings.load(path), settings.load(path)
    app.ui.theme = "dark"
    app.save(path)
    cli.default_model = "qwen"
    cli.sampling.temperature = 0.2
    cli.save(path)  # did not touch the theme: the app's change stays
    app.sampling.top_k = 7
    app.save(path)
    final = settings.load(path)
    assert (final.ui.theme, final.default_model) == ("dark", "qwen")
    assert (final.sampling.temperature, final.sampling.top_k) == (0.2, 7)


def test_wipe_destroys_the_key_then_everything_but_the_models(hushdesk_home: Path) -> None:
    from hushdesk.app import App

    app = App()
    app.conversations.store.create(title="Marker")
    app.library.library("Smith v Jones")
    app.settings.email.signature = "Dr. Quillfeather"
    app.settings.save()
    model = paths.models_dir() / "kept.gguf"
    model.write_bytes(b"GGUF")
    (paths.data_dir() / "conversations.sqlite.damaged-20260101").write_bytes(b"old copy")
    (paths.log_dir() / "hushdesk.log").write_text("a log line")
    app.close()

    report = wipe(Vault())
    assert not report.failed
    left = sorted(
        str(p.relative_to(hushdesk_home)) for p in hushdesk_home.rglob("*") if p.is_file()
    )
    assert left == ["data/models.json", "data/models/kept.gguf"]
    assert not Vault().exists()


def test_an_older_plaintext_install_is_migrated_in_place(hushdesk_home: Path) -> None:
    from hushdesk.app import App
    from hushdesk.sqlitedb import statements

    data = paths.data_dir()
    with sqlite3.connect(data / "conversations.sqlite") as plain:  # as 0.1 wrote it
        for number, migration in enumerate(ConversationStore.migrations):
            for statement in statements(migration):
                plain.execute(statement)
            plain.execute(f"PRAGMA user_version = {number + 1}")
        plain.execute(
            "INSERT INTO conversations (title, created_at, updated_at, persona) "
            "VALUES ('Wobblesworth estate', 0, 0, 'general')"
        )
    plain.close()
    (data / "vectors").mkdir()
    (data / "vectors" / "chroma.sqlite3").write_bytes(PLAINTEXT_HEADER + b"Wobblesworth")
    (data / "cli_history").write_text("what about Wobblesworth?\n")
    paths.settings_file().write_text(json.dumps({"email": {"signature": "Wobblesworth LLP"}}))

    app = App()
    assert [c.title for c in app.conversations.all()] == ["Wobblesworth estate"]
    assert app.preferences.sender.signature == "Wobblesworth LLP"
    app.close()
    for path in hushdesk_home.rglob("*"):
        if path.is_file():
            assert b"Wobblesworth" not in path.read_bytes(), path
            assert not is_plaintext(path), path
    assert not (data / "vectors").exists()


def test_a_key_change_moves_the_keychain_entry_too(
    tmp_path: Path, keychain: MemoryKeychain
) -> None:
    vault = Vault(tmp_path / "keys.json")
    key = vault.create(keychain=True)
    Keys(vault).set_passphrase(TEST_PASSPHRASE)
    first = vault.new_recovery_key()
    code = Keys(vault).new_recovery_key(TEST_PASSPHRASE)
    assert code != first
    assert list(keychain.secrets.values()) != []
    assert len(keychain.secrets) == 1
    again = Vault(tmp_path / "keys.json")
    assert again.unlock_keychain()
    assert again.key == vault.key != key


def test_a_passphrase_file_others_can_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.fsutil import NotPrivate
    from hushdesk.passphrases import passphrase_from_env

    shared = tmp_path / "passphrase"
    shared.write_text(TEST_PASSPHRASE + "\n")
    shared.chmod(0o644)
    monkeypatch.setenv("HUSHDESK_PASSPHRASE_FILE", str(shared))
    with pytest.raises(NotPrivate, match=r"other accounts.*mode 644.*chmod 600") as caught:
        passphrase_from_env()
    assert str(shared) in caught.value.message
    shared.chmod(0o600)
    assert passphrase_from_env() == TEST_PASSPHRASE
