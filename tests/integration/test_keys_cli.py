"""Locking on the command line: a fresh folder is created encrypted from the passphrase
file; without one and without a terminal the data stays locked with a clear message; the
key can be changed, and changing the passphrase or the recovery key makes a new data key
(an old key file with the old passphrase then opens nothing; a rotation killed midway
finishes at the next unlock); ``hushdesk wipe`` needs --yes when no one can be asked,
and waits while ``serve`` has the data open."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from hushdesk.vault import Vault, WrongKey
from tests.integration.test_cli import run
from tests.keys import (
    NEW_PASSPHRASE,
    TEST_PASSPHRASE,
    connect,
    fill_every_store,
    filled,
    opens_nothing,
    read_every_store,
    write_private,
)


def test_a_fresh_folder_is_created_encrypted_from_the_passphrase_file(
    hushdesk_cmd: list[str], cli_env: dict[str, str], hushdesk_home: Path, tmp_path: Path
) -> None:
    status = run(hushdesk_cmd, cli_env, "keys")
    assert status.returncode == 0, status.stderr
    assert "unlocks with: passphrase" in status.stdout
    assert "No recovery key yet" in status.stdout
    keys = json.loads((hushdesk_home / "data" / "keys.json").read_text())
    assert list(keys["wraps"]) == ["passphrase"]

    keys_before = (hushdesk_home / "data" / "keys.json").read_bytes()
    piped = run(hushdesk_cmd, cli_env, "keys", "recovery-key")  # stdout is a pipe here
    assert piped.returncode == 2
    assert "--recovery-key-file" in piped.stderr
    assert (hushdesk_home / "data" / "keys.json").read_bytes() == keys_before  # unchanged
    code_file = tmp_path / "recovery-key"
    made = run(hushdesk_cmd, cli_env, "keys", "recovery-key", "--recovery-key-file", str(code_file))
    assert made.returncode == 0, made.stderr
    code = code_file.read_text().strip()
    assert code not in made.stdout
    assert code_file.stat().st_mode & 0o077 == 0
    vault = Vault(hushdesk_home / "data" / "keys.json")
    vault.unlock_with_recovery_key(code)

    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all\n")
    refused = run(hushdesk_cmd, {**cli_env, "HUSHDESK_PASSPHRASE_FILE": str(wrong)}, "keys")
    assert refused.returncode == 1
    assert "does not unlock your data" in refused.stderr


def test_without_a_passphrase_or_a_terminal_the_data_stays_locked(
    hushdesk_cmd: list[str], cli_env: dict[str, str], hushdesk_home: Path
) -> None:
    env = {k: v for k, v in cli_env.items() if k != "HUSHDESK_PASSPHRASE_FILE"}
    locked = run(hushdesk_cmd, env, "search", "--library", "Work", "notice")
    assert locked.returncode == 1
    assert "HUSHDESK_PASSPHRASE_FILE" in locked.stderr
    assert len(locked.stderr.strip().splitlines()) == 1
    assert not (hushdesk_home / "data" / "keys.json").exists()


def test_wipe_asks_unless_told_not_to(
    hushdesk_cmd: list[str], cli_env: dict[str, str], hushdesk_home: Path
) -> None:
    assert run(hushdesk_cmd, cli_env, "keys").returncode == 0
    unasked = run(hushdesk_cmd, cli_env, "wipe")
    assert unasked.returncode == 2
    assert "--yes" in unasked.stderr
    assert (hushdesk_home / "data" / "keys.json").exists()
    wiped = run(hushdesk_cmd, cli_env, "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert "key is destroyed" in wiped.stdout
    assert not (hushdesk_home / "data" / "keys.json").exists()


# -- key rotation (issue 29) ------------------------------------------------------------


def _recovery_code(out: Path) -> str:
    code = out.read_text().strip()
    assert code.count("-") == 6
    return code


def _fill(marker: str = "M") -> None:
    from hushdesk.app import App

    app = App()
    fill_every_store(app, marker)
    app.close()


def _read_all(passphrase_file: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    from hushdesk.app import App

    monkeypatch.setenv("HUSHDESK_PASSPHRASE_FILE", str(passphrase_file))
    app = App()
    try:
        return read_every_store(app)
    finally:
        app.close()


def test_a_new_passphrase_file_rotates_the_key_and_an_old_key_file_opens_nothing(
    hushdesk_cmd: list[str],
    cli_env: dict[str, str],
    hushdesk_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fill()
    codes = [tmp_path / f"recovery-{n}" for n in range(3)]
    made = run(hushdesk_cmd, cli_env, "keys", "recovery-key", "--recovery-key-file", str(codes[0]))
    assert made.returncode == 0, made.stderr
    first = _recovery_code(codes[0])
    keys = hushdesk_home / "data" / "keys.json"
    backup = tmp_path / "keys.json.backup"
    shutil.copy(keys, backup)
    old = Vault(backup)
    old.unlock(TEST_PASSPHRASE)

    new_file = tmp_path / "new-passphrase"
    new_file.write_text(NEW_PASSPHRASE + "\n")
    new_file.chmod(0o644)
    refused = run(
        hushdesk_cmd, cli_env, "keys", "passphrase", "--new-passphrase-file", str(new_file)
    )
    assert refused.returncode == 1
    assert "other accounts" in refused.stderr
    assert f"chmod 600 {new_file}" in refused.stderr
    assert keys.read_bytes() == backup.read_bytes()

    new_file.chmod(0o600)
    changed = run(
        hushdesk_cmd, cli_env, "keys", "passphrase", "--new-passphrase-file", str(new_file),
        "--recovery-key-file", str(codes[1]),
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert "encrypted under a new key" in changed.stdout
    second = _recovery_code(codes[1])
    assert second != first

    # The old key file, put back, with the old passphrase: nothing opens.
    shutil.copy(keys, tmp_path / "keys.json.new")
    shutil.copy(backup, keys)
    stale = run(hushdesk_cmd, cli_env, "keys")
    assert stale.returncode == 1
    assert "written with another key" in stale.stderr
    assert opens_nothing(hushdesk_home / "data", old.key) == []
    shutil.copy(tmp_path / "keys.json.new", keys)

    assert run(hushdesk_cmd, cli_env, "keys").returncode == 1  # the old passphrase is void
    new_env = {**cli_env, "HUSHDESK_PASSPHRASE_FILE": str(new_file)}
    status = run(hushdesk_cmd, new_env, "keys")
    assert status.returncode == 0, status.stderr
    assert _read_all(new_file, monkeypatch) == filled()
    with pytest.raises(WrongKey):
        Vault(keys).unlock_with_recovery_key(first)
    Vault(keys).unlock_with_recovery_key(second)

    # A new recovery key: the passphrase (from the passphrase file) wraps the new key.
    renewed = run(
        hushdesk_cmd, new_env, "keys", "recovery-key", "--recovery-key-file", str(codes[2])
    )
    assert renewed.returncode == 0, renewed.stderr
    third = _recovery_code(codes[2])
    with pytest.raises(WrongKey):
        Vault(keys).unlock_with_recovery_key(second)
    assert _read_all(new_file, monkeypatch) == filled()
    by_code = Vault(keys)
    by_code.unlock_with_recovery_key(third)


def test_a_rotation_killed_midway_finishes_at_the_next_unlock(
    hushdesk_cmd: list[str],
    cli_env: dict[str, str],
    hushdesk_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fill()
    old = Vault()
    old.unlock(TEST_PASSPHRASE)
    library = hushdesk_home / "data" / "library.sqlite"
    with connect(library, old.store_key("library")) as db:  # a large store: a slow rekey
        db.execute("CREATE TABLE ballast (b BLOB)")
        db.executemany("INSERT INTO ballast VALUES (randomblob(65536))", [()] * 1500)
    db.close()
    new_file = write_private(tmp_path / "new-passphrase", NEW_PASSPHRASE)
    keys = hushdesk_home / "data" / "keys.json"
    rotating = subprocess.Popen(
        [*hushdesk_cmd, "keys", "passphrase", "--new-passphrase-file", str(new_file)],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while rotating.poll() is None:
            try:  # may be read just as it is replaced and overwritten
                journal = json.loads(keys.read_text()).get("rotation") or {}
            except ValueError:
                continue
            if journal.get("current") == "library":
                rotating.send_signal(signal.SIGKILL)
                break
    finally:
        rotating.wait(timeout=120)
    assert rotating.returncode == -signal.SIGKILL, "the rotation ended before it was killed"
    assert "rotation" in json.loads(keys.read_text())

    assert run(hushdesk_cmd, cli_env, "keys").returncode == 1  # the old passphrase: no
    resumed = run(hushdesk_cmd, {**cli_env, "HUSHDESK_PASSPHRASE_FILE": str(new_file)}, "keys")
    assert resumed.returncode == 0, resumed.stderr
    assert "rotation" not in json.loads(keys.read_text())
    assert _read_all(new_file, monkeypatch) == filled()
    assert opens_nothing(hushdesk_home / "data", old.key) == []


def test_wipe_and_key_changes_wait_while_serve_runs(
    hushdesk_cmd: list[str], cli_env: dict[str, str], hushdesk_home: Path, tmp_path: Path
) -> None:
    from hushdesk import privacy
    from tests.servers import free_port, serving

    _fill()
    port = free_port()
    command = [*hushdesk_cmd, "serve", "--port", str(port), "--token-file", str(tmp_path / "t")]
    new_file = write_private(tmp_path / "new-passphrase", NEW_PASSPHRASE)
    with (
        serving(command, f"http://127.0.0.1:{port}/v1/models", env=cli_env) as served,
        privacy.local_service(port),
    ):
        refused = run(hushdesk_cmd, cli_env, "wipe", "--yes")
        assert refused.returncode == 1
        assert (
            f"still open (the window, `hushdesk serve` or another command: process {served.pid})"
            in refused.stderr
        )
        assert (hushdesk_home / "data" / "keys.json").exists()
        waits = run(
            hushdesk_cmd, cli_env, "keys", "passphrase", "--new-passphrase-file", str(new_file)
        )
        assert waits.returncode == 1
        assert "still open" in waits.stderr
    wiped = run(hushdesk_cmd, cli_env, "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert not (hushdesk_home / "data" / "keys.json").exists()
