"""How the data is locked, changing its keys, and deleting all of it.

``Privacy`` is what Settings → Privacy and ``hushdesk keys`` use: the ways the data
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

``wipe`` is "Delete all my data" and ``hushdesk wipe``: refused while another Hushdesk
process has the data open; the key goes first, so everything is unreadable at once even
if a later step fails; then every file about the user is overwritten and removed, in
whatever way the OS nests the folders (on Windows the cache and the logs sit inside the
data folder). Downloaded models are not the user's data and stay (with their list).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hushdesk import datalock, paths
from hushdesk.keychain import keychain_available
from hushdesk.sealed import SEALED_LOCK, SealedJson, WrongKey, subkey
from hushdesk.sqlitedb import Database, rekey_file, shred
from hushdesk.vault import Method, Vault

log = logging.getLogger("hushdesk.privacy")

KEPT = ("models", "models.json")  # in the data folder: not the user's data
LEGACY = ("vectors", "vectors.written", "cli_history")  # written in the clear by 0.1
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
    return {"profile": paths.profile_file(), "cli-history": paths.repl_history_file()}


@dataclass(frozen=True)
class LockState:
    methods: list[Method]
    keychain_available: bool
    rotating: bool = False


@dataclass
class WipeReport:
    removed: int = 0
    failed: list[str] = field(default_factory=list)


class Privacy:
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


# -- wipe -----------------------------------------------------------------------------------


def in_use() -> datalock.Hold:
    """This process has the data open until ``release()`` (the window holds it for its
    whole life, so a wipe from a terminal is refused even while it is locked)."""
    return datalock.hold()


def remove_legacy_plaintext() -> int:
    """What an older Hushdesk kept in the clear and is now kept encrypted elsewhere (the
    vector folder, whose vectors are embedded again into the store; the typed lines)."""
    data = paths.data_dir()
    removed = 0
    for name in LEGACY:
        target = data / name
        if target.exists() or target.is_symlink():
            removed += _remove(target, WipeReport())
    return removed


def wipe(vault: Vault) -> WipeReport:
    """Destroy the key, then every store, index, log, cache, setting and leftover copy.
    ``DataInUse`` while another Hushdesk process has the data open (nothing is
    touched); this process must have closed its stores (the window is shut first)."""
    report = WipeReport()
    in_use_dir = paths.in_use_dir().resolve()
    with datalock.alone("delete your data"):
        vault.destroy()
        data = paths.data_dir().resolve()
        keep = {data / name for name in KEPT} | {in_use_dir}
        for root in _roots():
            _clear(root, keep, report)
    with contextlib.suppress(OSError):  # the locks, once released (Windows)
        _remove(in_use_dir, WipeReport())
    log.info("wiped: %d files removed, %d failed", report.removed, len(report.failed))
    return report


def _roots() -> list[Path]:
    """The data, config, cache and log folders, without those inside another (Windows:
    the cache and the logs are in the data folder; macOS: config is data)."""
    found = {p.resolve() for p in (paths.data_dir(), paths.config_dir())}
    found |= {p.resolve() for p in (paths.cache_dir(), paths.log_dir())}
    return sorted(r for r in found if not any(r != o and r.is_relative_to(o) for o in found))


def _clear(folder: Path, keep: set[Path], report: WipeReport) -> None:
    """Everything under ``folder`` but ``keep`` (folders holding a kept path are entered)."""
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return
    except OSError as exc:
        report.failed.append(f"{folder}: {exc}")
        return
    for entry in entries:
        if entry in keep:
            continue
        if not entry.is_symlink() and entry.is_dir() and any(k.is_relative_to(entry) for k in keep):
            _clear(entry, keep, report)
        else:
            report.removed += _remove(entry, report)


def _remove(target: Path, report: WipeReport) -> int:
    """Shred a file, or every file under a folder (links are removed, not followed)."""
    if target.is_symlink() or not target.is_dir():
        try:
            if target.is_symlink():
                target.unlink()
            else:
                shred(target)
            return 1
        except OSError as exc:
            report.failed.append(f"{target}: {exc}")
            return 0
    count = 0
    for folder, dirs, files in os.walk(target, topdown=False):
        for name in files:
            count += _remove(Path(folder, name), report)
        for name in dirs:
            path = Path(folder, name)
            if path.is_symlink():
                count += _remove(path, report)
            else:
                with contextlib.suppress(OSError):
                    path.rmdir()
    try:
        target.rmdir()
    except OSError as exc:
        report.failed.append(f"{target}: {exc}")
    return count
