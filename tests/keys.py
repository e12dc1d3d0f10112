"""A fixed store key for tests that open a store directly (the app gets its keys from
the vault, unlocked with the passphrase file every test sets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hushdesk.vault import subkey

TEST_KEY = subkey(b"\x07" * 32, "store:tests")
TEST_PASSPHRASE = "correct horse battery staple"


def vault_key(store: str, home: Path | None = None) -> bytes:
    """The key the app itself uses for ``store`` in this test's data folder (or the one
    under ``home``), unlocked or created with the test's passphrase file, for tests
    that share a store with a ``hushdesk`` child process."""
    from hushdesk.vault import Vault, unlock_without_asking

    vault = Vault(home / "data" / "keys.json" if home else None)
    assert unlock_without_asking(vault)
    return vault.store_key(store)


def connect(path: Path, key: bytes) -> Any:
    """A raw SQLCipher connection to a store (to look inside it as a test)."""
    import sqlcipher3.dbapi2 as sqlcipher

    db = sqlcipher.connect(str(path))
    db.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return db


def use_passphrase_file() -> str:
    """For benches and scripts on a fresh data folder: unlock (create) it with the test
    passphrase from a file, as ``HUSHDESK_PASSPHRASE_FILE`` does for any script."""
    import os
    import tempfile

    handle, name = tempfile.mkstemp(prefix="hushdesk-passphrase-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(TEST_PASSPHRASE + "\n")
    os.environ["HUSHDESK_PASSPHRASE_FILE"] = name
    return name
