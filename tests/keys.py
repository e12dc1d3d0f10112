"""A fixed store key for tests that open a store directly (the app gets its keys from
the vault, unlocked with the passphrase file every test sets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hushdesk.sealed import subkey

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


NEW_PASSPHRASE = "a brand new passphrase, longer"


def write_private(path: Path, text: str) -> Path:
    """A secret file readable by this account only (the passphrase files must be)."""
    import os

    path.write_text(text + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def fill_every_store(app: Any, marker: str) -> None:
    """Something of the user's in every store and sealed file, with ``marker`` in it."""
    from hushdesk import paths
    from hushdesk.assistant.email.templates import Template

    app.conversations.store.create(title=f"{marker} chat")
    app.library.library(f"{marker} library")
    from hushdesk.assistant.summarize.results import Source

    source = Source(name=f"{marker} source", pages=())
    app.summaries.store.save_source(source)
    app.summaries.store.put_step(f"{marker}-step", source.key, "map", f"{marker} summary")
    app.drafts.store.put_template(
        Template(id=f"{marker}-t", name=f"{marker} template", body="Dear {name}")
    )
    app.settings.email.signature = f"{marker} signature"
    app.settings.save()
    app.vault.sealed(paths.repl_history_file(), "cli-history").write([f"{marker} line"])


def read_every_store(app: Any) -> dict[str, Any]:
    """What ``fill_every_store`` put there, read back through the app."""
    from hushdesk import paths

    return {
        "conversations": [c.title for c in app.conversations.store.conversations()],
        "library": [lib.name for lib in app.library.store.libraries()],
        "summaries": app.summaries.store.get_step("M-step"),
        "drafts": [t.name for t in app.drafts.store.templates()],
        "profile": app.settings.email.signature,
        "cli-history": app.vault.sealed(paths.repl_history_file(), "cli-history").read(),
    }


def filled(marker: str = "M") -> dict[str, Any]:
    return {
        "conversations": [f"{marker} chat"],
        "library": [f"{marker} library"],
        "summaries": f"{marker} summary",
        "drafts": [f"{marker} template"],
        "profile": f"{marker} signature",
        "cli-history": [f"{marker} line"],
    }


def opens_nothing(data: Path, data_key: bytes) -> list[str]:
    """The stores and sealed files under ``data`` that ``data_key`` still opens (none,
    after a key change, for the old key)."""
    from hushdesk.errors import StoreError
    from hushdesk.sealed import SealedJson

    opened = []
    for name in ("conversations", "library", "summaries", "drafts"):
        path = data / f"{name}.sqlite"
        assert path.exists(), path
        db = connect(path, subkey(data_key, f"store:{name}"))
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            opened.append(name)
        except Exception:
            pass
        finally:
            db.close()
    for name, file in (("profile", "profile.sealed"), ("cli-history", "cli_history.sealed")):
        assert (data / file).exists(), file
        try:
            SealedJson(data / file, subkey(data_key, f"store:{name}"), name).read()
            opened.append(name)
        except StoreError:
            pass
    return opened
