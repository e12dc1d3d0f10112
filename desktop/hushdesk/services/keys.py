"""How the data is locked, and changing its keys.

``Keys`` is what Settings → Privacy and ``hushdesk keys`` use: the ways the data
unlocks (passphrase, keychain, recovery key) and their changes. Replacing or removing
the passphrase, or replacing the recovery key, makes a new data key and re-encrypts
every store and sealed file under it (a *rotation*; the design, resumable at every
point, is in ``vault``'s docstring). The rotation needs the data to itself: no other
Hushdesk process may have it open (``datalock.alone``; the message says what to
close), and in this process every store is opened first and re-keyed through its own
connection, so the window's work waits on each store for the moment it takes instead
of finding it closed. The secrets that stay must wrap the new key too: a kept
passphrase is typed again (the old key must not lead to the new one), and a recovery
key is made anew whenever the data key changes (shown once, like the first).
Deleting all of it is ``services.wipe``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hushdesk import datalock, paths
from hushdesk.keychain import keychain_available
from hushdesk.sealed import SEALED_LOCK, SealedJson, WrongKey, subkey
from hushdesk.sqlitedb import Database, rekey_file
from hushdesk.vault import Method, Vault

log = logging.getLogger("hushdesk.keys")

SET_ASIDE = ".damaged-"  # a damaged store kept by its owner (chat_store) under its key


def store_files() -> dict[str, Path]:
    """Every SQLCipher store, by the name its key is derived for (``App`` opens them)."""
    return {
        "conversations": paths.conversations_db(),
        "library": paths.library_db(),
        "summaries": paths.summaries_db(),
        "drafts": paths.drafts_db(),
    }


def sealed_files() -> dict[str, Path]:
    """Every ``SealedJson`` file, by its name (key and purpose)."""
    return {
        "profile": paths.profile_file(),
        "cli-history": paths.repl_history_file(),
        "matters": paths.matters_file(),  # the matters' own keys, so their stores stay
    }


@dataclass(frozen=True)
class LockState:
    methods: list[Method]
    keychain_available: bool
    rotating: bool = False


class Keys:
    """``stores`` opens (if need be) and returns this process's stores by name, so a
    rotation re-keys them through their own connections."""

    def __init__(
        self, vault: Vault, stores: Callable[[], Mapping[str, Database]] | None = None
    ) -> None:
        self.vault = vault
        self._stores = stores

    def state(self) -> LockState:
        return LockState(self.vault.methods(), keychain_available(), self.vault.rotating)

    def set_passphrase(self, passphrase: str | None) -> str | None:
        """A new passphrase (``None`` removes it; the keychain must then be on). Returns
        the new recovery key when the data key changed and there was one (show it)."""
        methods = self.vault.methods()
        if "passphrase" not in methods:
            if passphrase is not None:
                self.vault.add_passphrase(passphrase)  # nothing stops working
            return None
        return self._rotate(passphrase, recovery="recovery" in methods)

    def new_recovery_key(self, passphrase: str | None = None) -> str:
        """A new recovery key (shown once). Replacing one changes the data key, which the
        passphrase, when one is set, must wrap again: it is asked for."""
        methods = self.vault.methods()
        if "recovery" not in methods:
            return self.vault.new_recovery_key()
        if "passphrase" in methods:
            if not passphrase:
                raise WrongKey("Type your passphrase to make a new recovery key.")
            if not self.vault.is_passphrase(passphrase):
                raise WrongKey("This is not your passphrase.")
        else:
            passphrase = None
        code = self._rotate(passphrase, recovery=True)
        assert code is not None
        return code

    def set_keychain(self, on: bool) -> None:
        self.vault.set_keychain(on)

    def others_using(self) -> str | None:
        """Why a wipe or a key change cannot run now (another Hushdesk process has the
        data open), or ``None``."""
        running = datalock.others()
        return datalock.in_use_message(running, "try again") if running else None

    # -- rotation ---------------------------------------------------------------------------

    def resume(self) -> bool:
        """A rotation a crash interrupted is finished (at start, before any store is
        opened; ``DataInUse`` while another process has the data). True if there was one."""
        if not self.vault.rotating:
            return False
        with datalock.alone("start Hushdesk"):
            self.vault.reload()  # another process may have finished it meanwhile
            return self._resumed()

    def _resumed(self) -> bool:
        if not self.vault.rotating:
            return False
        log.info("finishing an interrupted key change")
        self._finish({})
        return True

    def _rotate(self, passphrase: str | None, *, recovery: bool) -> str | None:
        with datalock.alone("change the keys"):
            self.vault.reload()
            live = dict(self._stores()) if self._stores is not None else {}
            if self.vault.rotating:
                self._finish(live)
            code = self.vault.begin_rotation(passphrase=passphrase, recovery=recovery)
            self._finish(live)
        log.info("keys changed: every store is under a new data key")
        return code

    def _finish(self, live: Mapping[str, Database]) -> None:
        old, new = self.vault.rotation_keys()
        done, _current = self.vault.rotation_journal()
        for name, path in sealed_files().items():
            if name not in done:
                with SEALED_LOCK:
                    box = SealedJson(path, new, name)
                    box.reseal(subkey(old, f"store:{name}"), subkey(new, f"store:{name}"))
                    self.vault.rotated(name)
        for name, (store, path) in _rotated_stores().items():
            if name in done:
                continue
            old_key, new_key = subkey(old, f"store:{store}"), subkey(new, f"store:{store}")
            self.vault.rotating_now(name)
            opened = live.get(name)
            if opened is not None:
                # Open here: its own connection re-keys it (one that failed was rolled
                # back, so it still has the key it opened with); a second connection
                # would change the file under it.
                opened.rekey(new_key)
            elif not rekey_file(path, old_key, new_key):
                log.warning("%s opens with neither key; left as it is", path.name)
            self.vault.rotated(name)
        self.vault.finish_rotation()


def _rotated_stores() -> dict[str, tuple[str, Path]]:
    """Journal name → (key name, file): the stores, and the damaged copies set aside
    beside them (still under the old key, which is going)."""
    items: dict[str, tuple[str, Path]] = {}
    for store, path in store_files().items():
        items[store] = (store, path)
        for copy in sorted(path.parent.glob(f"{path.name}{SET_ASIDE}*")):
            if not copy.name.endswith(("-wal", "-shm", "-journal")):
                items[copy.name] = (store, copy)
    return items
