"""Locking on the command line: a fresh folder is created encrypted from the passphrase
file; without one and without a terminal the data stays locked with a clear message; the
key can be changed; ``hushdesk wipe`` needs --yes when no one can be asked."""

from __future__ import annotations

import json
from pathlib import Path

from hushdesk.vault import Vault
from tests.integration.test_cli import run


def test_a_fresh_folder_is_created_encrypted_from_the_passphrase_file(
    hushdesk_cmd: list[str], cli_env: dict[str, str], hushdesk_home: Path, tmp_path: Path
) -> None:
    status = run(hushdesk_cmd, cli_env, "keys")
    assert status.returncode == 0, status.stderr
    assert "unlocks with: passphrase" in status.stdout
    assert "No recovery key yet" in status.stdout
    keys = json.loads((hushdesk_home / "data" / "keys.json").read_text())
    assert list(keys["wraps"]) == ["passphrase"]

    made = run(hushdesk_cmd, cli_env, "keys", "recovery-key")
    assert made.returncode == 0, made.stderr
    code = next(line.strip() for line in made.stdout.splitlines() if line.count("-") == 6)
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
