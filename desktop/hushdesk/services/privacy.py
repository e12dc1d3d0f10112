"""How the data is locked, and deleting all of it.

``Privacy`` is what Settings → Privacy and ``hushdesk keys`` use: the ways the data
unlocks (passphrase, keychain, recovery key) and their changes. ``wipe`` is "Delete all
my data" and ``hushdesk wipe``: the key goes first, so everything is unreadable at once
even if a later step fails; then every file about the user is overwritten and removed.
Downloaded models are not the user's data and stay (with the list of them).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from hushdesk import paths
from hushdesk.sqlitedb import shred
from hushdesk.vault import Method, Vault, keychain_available

log = logging.getLogger("hushdesk.privacy")

KEPT = ("models", "models.json")  # in the data folder: not the user's data
LEGACY = ("vectors", "vectors.written", "cli_history")  # written in the clear by 0.1


@dataclass(frozen=True)
class LockState:
    methods: list[Method]
    keychain_available: bool


@dataclass
class WipeReport:
    removed: int = 0
    failed: list[str] = field(default_factory=list)


class Privacy:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def state(self) -> LockState:
        return LockState(self.vault.methods(), keychain_available())

    def set_passphrase(self, passphrase: str | None) -> None:
        self.vault.set_passphrase(passphrase)

    def set_keychain(self, on: bool) -> None:
        self.vault.set_keychain(on)

    def new_recovery_key(self) -> str:
        return self.vault.new_recovery_key()


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
    The stores must be closed (the app is shut down first)."""
    report = WipeReport()
    vault.destroy()
    roots = {paths.data_dir(), paths.config_dir(), paths.cache_dir(), paths.log_dir()}
    for root in sorted(roots):
        for entry in sorted(root.iterdir()):
            if root == paths.data_dir() and entry.name in KEPT:
                continue
            report.removed += _remove(entry, report)
    log.info("wiped: %d files removed, %d failed", report.removed, len(report.failed))
    return report


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
