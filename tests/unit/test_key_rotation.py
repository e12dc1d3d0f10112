"""Key rotation on real SQLCipher stores: a new passphrase or recovery key makes a new
data key, every store and sealed file is re-encrypted under it, the old ``keys.json``
with the old secret opens nothing, and a rotation that stops midway finishes at the
next start. Another process holding the data makes it wait (nothing changed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hushdesk import paths, sqlitedb
from hushdesk.app import App
from hushdesk.datalock import DataInUse
from hushdesk.services import keys as keys_mod
from hushdesk.services.keys import Keys, sealed_files, store_files
from hushdesk.vault import Vault, WrongKey
from tests.keys import (
    NEW_PASSPHRASE,
    TEST_PASSPHRASE,
    fill_every_store,
    filled,
    opens_nothing,
    read_every_store,
    write_private,
)


@pytest.fixture
def new_passphrase_file(tmp_path: Path) -> Path:
    return write_private(tmp_path / "new-passphrase", NEW_PASSPHRASE)


def _filled_app() -> App:
    app = App()
    fill_every_store(app, "M")
    return app


def test_every_store_and_sealed_file_is_rotated() -> None:
    named = {p for p in paths.all_paths().values() if p.suffix in (".sqlite", ".sealed")}
    assert named == {*store_files().values(), *sealed_files().values()}
    app = App()
    assert set(app.stores()) == set(store_files())
    app.close()


def test_a_new_passphrase_makes_a_new_key_and_the_old_key_file_opens_nothing(
    hushdesk_home: Path, tmp_path: Path, new_passphrase_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _filled_app()
    keys = paths.keys_file()
    old_copy = tmp_path / "keys.json.backup"
    shutil.copy(keys, old_copy)
    old_key = app.vault.key
    assert app.keys.set_passphrase(NEW_PASSPHRASE) is None  # no recovery key to renew
    assert app.vault.key != old_key
    assert read_every_store(app) == filled()  # the open window goes on, under the new key
    app.close()
    record = json.loads(keys.read_text())
    assert "rotation" not in record
    assert list(record["wraps"]) == ["passphrase"]

    old = Vault(old_copy)
    old.unlock(TEST_PASSPHRASE)  # the backup still unwraps the old key…
    assert old.key == old_key
    assert opens_nothing(paths.data_dir(), old_key) == []  # …which opens nothing now
    with pytest.raises(WrongKey):
        Vault().unlock(TEST_PASSPHRASE)

    monkeypatch.setenv("HUSHDESK_PASSPHRASE_FILE", str(new_passphrase_file))
    again = App()
    assert read_every_store(again) == filled()
    again.close()


def test_a_rotation_that_stops_midway_finishes_at_the_next_start(
    hushdesk_home: Path, tmp_path: Path, new_passphrase_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _filled_app()
    app.close()  # the stores are closed: re-keyed as files
    vault = Vault()
    vault.unlock(TEST_PASSPHRASE)
    old_key = vault.key
    shutil.copy(paths.keys_file(), tmp_path / "keys.json.backup")
    calls: list[Path] = []
    real = sqlitedb.rekey_file

    def crash_after_two(path: Path, old: bytes, new: bytes) -> bool:
        if len(calls) == 2:
            raise RuntimeError("killed")
        calls.append(path)
        return real(path, old, new)

    monkeypatch.setattr(keys_mod, "rekey_file", crash_after_two)
    with pytest.raises(RuntimeError, match="killed"):
        Keys(vault).set_passphrase(NEW_PASSPHRASE)
    journal = json.loads(paths.keys_file().read_text())["rotation"]
    assert journal["current"] is not None
    assert len(journal["done"]) == len(sealed_files()) + 2  # the sealed files, two stores
    monkeypatch.setattr(keys_mod, "rekey_file", real)

    with pytest.raises(WrongKey):  # only the new passphrase unlocks, even midway
        Vault().unlock(TEST_PASSPHRASE)
    monkeypatch.setenv("HUSHDESK_PASSPHRASE_FILE", str(new_passphrase_file))
    again = App()  # finishes the rotation before it opens anything
    assert not again.vault.rotating
    assert read_every_store(again) == filled()
    again.close()
    assert "rotation" not in json.loads(paths.keys_file().read_text())
    assert opens_nothing(paths.data_dir(), old_key) == []


def test_a_rekey_interrupted_inside_a_store_rolls_back_to_the_old_key(tmp_path: Path) -> None:
    """A crash during ``PRAGMA rekey`` leaves a hot journal under the old key: the next
    open with the old key rolls it back, then the rekey runs again."""
    from tests.keys import TEST_KEY, connect

    path = tmp_path / "s.sqlite"
    db = connect(path, TEST_KEY)
    db.execute("CREATE TABLE t (x TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [(f"row {i}" * 50,) for i in range(3000)])
    db.commit()
    db.close()
    code = (
        "import os, sys, sqlcipher3.dbapi2 as s\n"
        f"db = s.connect({str(path)!r}, isolation_level=None)\n"
        f"db.execute('PRAGMA key = \"x\\'{TEST_KEY.hex()}\\'\"')\n"
        "db.execute('PRAGMA journal_mode = PERSIST')\n"
        "db.execute('PRAGMA cache_size = 10')\n"  # pages spill to the file before commit
        "db.execute('BEGIN IMMEDIATE')\n"
        "db.execute('UPDATE t SET x = x || x')\n"
        "os._exit(9)\n"  # killed with the transaction open: a hot journal
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    assert (tmp_path / "s.sqlite-journal").stat().st_size > 0
    new = bytes(range(32))
    assert sqlitedb.rekey_file(path, TEST_KEY, new)
    assert not sqlitedb.opens_with(path, TEST_KEY)
    with connect(path, new) as reopened:
        assert reopened.execute("SELECT count(*) FROM t").fetchone() == (3000,)
    reopened.close()
    assert sqlitedb.rekey_file(path, TEST_KEY, new)  # again: already done


def test_a_new_recovery_key_rotates_and_needs_the_passphrase(
    hushdesk_home: Path, tmp_path: Path
) -> None:
    app = _filled_app()
    first = app.keys.new_recovery_key()  # the first one: nothing stops working
    shutil.copy(paths.keys_file(), tmp_path / "keys.json.backup")
    old_key = app.vault.key
    with pytest.raises(WrongKey, match="Type your passphrase"):
        app.keys.new_recovery_key()
    with pytest.raises(WrongKey, match="not your passphrase"):
        app.keys.new_recovery_key("not my passphrase at all")
    second = app.keys.new_recovery_key(TEST_PASSPHRASE)
    assert second != first
    assert app.vault.key != old_key
    app.close()

    old = Vault(tmp_path / "keys.json.backup")
    old.unlock_with_recovery_key(first)
    assert opens_nothing(paths.data_dir(), old.key) == []
    with pytest.raises(WrongKey):
        Vault().unlock_with_recovery_key(first)
    by_code = Vault()
    by_code.unlock_with_recovery_key(second)
    again = App(vault=by_code)
    assert read_every_store(again) == filled()
    assert again.keys.set_passphrase(NEW_PASSPHRASE) is not None  # a new code again
    again.close()


def test_a_key_change_waits_for_other_processes_to_close(
    hushdesk_home: Path, cli_env: dict[str, str]
) -> None:
    app = _filled_app()
    before = paths.keys_file().read_bytes()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from hushdesk import datalock; h = datalock.hold(); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        env=cli_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DataInUse, match=rf"process {holder.pid}\)\. Close it"):
            app.keys.set_passphrase(NEW_PASSPHRASE)
        assert paths.keys_file().read_bytes() == before
    finally:
        holder.communicate("")
    app.keys.set_passphrase(NEW_PASSPHRASE)  # it closed: now it goes
    app.close()


def test_a_rekey_killed_before_its_journal_was_overwritten_leaves_no_old_page(
    tmp_path: Path,
) -> None:
    from tests.keys import TEST_KEY, connect

    path = tmp_path / "s.sqlite"
    db = connect(path, TEST_KEY)
    db.execute("CREATE TABLE t (x TEXT)")
    db.execute("INSERT INTO t VALUES ('the zqxjkv clause')")
    db.commit()
    new = bytes(range(32))
    db.execute("PRAGMA journal_mode = PERSIST").fetchall()
    db.execute(f"PRAGMA rekey = \"x'{new.hex()}'\"").fetchall()
    db.close()  # killed here: the kept journal holds the pages as they were (old key)
    journal = tmp_path / "s.sqlite-journal"
    assert journal.stat().st_size > 0
    assert sqlitedb.rekey_file(path, TEST_KEY, new)
    assert not journal.exists()
    with connect(path, new) as reopened:
        assert reopened.execute("SELECT x FROM t").fetchall() == [("the zqxjkv clause",)]
    reopened.close()


def test_a_key_change_that_failed_on_an_open_store_is_retried_through_its_connection(
    hushdesk_home: Path, new_passphrase_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _filled_app()
    real = sqlitedb.Database.rekey
    failed: list[Path] = []

    def full_disk_once(self: sqlitedb.Database, key: bytes) -> None:
        if self.path.name == "library.sqlite" and not failed:
            failed.append(self.path)
            raise OSError(28, "No space left on device")
        real(self, key)

    monkeypatch.setattr(sqlitedb.Database, "rekey", full_disk_once)
    with pytest.raises(OSError, match="No space"):
        app.keys.set_passphrase(NEW_PASSPHRASE)
    app.keys.set_passphrase(NEW_PASSPHRASE)  # the user tries again
    assert failed
    assert read_every_store(app) == filled()  # the open store still reads
    app.close()
    monkeypatch.setenv("HUSHDESK_PASSPHRASE_FILE", str(new_passphrase_file))
    again = App()
    assert read_every_store(again) == filled()
    again.close()
