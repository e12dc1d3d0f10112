"""The data key: one random key encrypts everything Hushdesk keeps about the user.

The key itself is never written in the clear. ``keys.json`` (in the data folder) holds
it wrapped, once per way to unlock:

- ``keychain``: the key sits in the OS keychain (Windows Credential Manager, macOS
  Keychain, Secret Service) through ``keyring``; unlocking needs no typing.
- ``passphrase``: wrapped (AES-256-GCM) by a key derived from the passphrase with
  argon2id, memory-hard, so a copied disk cannot be brute-forced cheaply.
- ``recovery``: the same, under a printable recovery key (140 random bits: 28 characters
  of 32) the user keeps on paper, for a forgotten passphrase or a lost keychain.

Every store derives its own key from the data key (HKDF), so a key never serves two
purposes. Destroying ``keys.json`` and the keychain entry makes every store unreadable
at once; that is the first step of a wipe.

Key rotation. Replacing or removing the passphrase or the recovery key makes a new data
key; otherwise an old copy of ``keys.json`` (any backup) and the old secret would open
everything, past and future. The rotation (``services.keys.Keys`` drives it, with
the data to itself: ``datalock.alone``) is resumable at every point:

1. ``begin_rotation``: a new key K1, wrapped by the secrets that stay or are new (a kept
   passphrase must be typed again: the old key must not lead to the new one; a recovery
   key is made anew), and the old key K0 sealed under K1, go into a new ``keys.json``
   that replaces the old one atomically; the old file's bytes are then overwritten. From
   here only the new secrets unlock, and they give both keys.
2. Each store is re-keyed (``PRAGMA rekey``; atomic, see ``sqlitedb.rekey``) and each
   sealed file sealed again, one at a time. ``keys.json``'s ``rotation`` journal names
   the one in progress (``current``) before it starts and lists those ``done`` after.
   Until a store is done, ``store_key`` gives its K0 key, so a store or sealed file
   opened while a rotation is unfinished (it failed in this process) gets the right key.
3. ``finish_rotation``: the journal and K0 leave ``keys.json`` (overwritten again), and
   the old keychain entry goes.

A crash anywhere leaves a ``keys.json`` that the new secrets open; the next start
(``Keys.resume``) finds the journal, settles the ``current`` store by trying K0 then
K1 (K0 first: it rolls back a half-done rekey), and carries on. A crash before step 1's
rename leaves the old ``keys.json`` and nothing changed.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from hushdesk import paths
from hushdesk.errors import HushdeskError, StoreError
from hushdesk.fsutil import atomic_write_json, replace_overwriting
from hushdesk.keychain import (
    KEYCHAIN_SERVICE,
    NoKeychain,
    keychain_available,
    keychain_delete,
    keychain_get,
    keychain_set,
)
from hushdesk.passphrases import (
    check_passphrase,
    new_recovery_key,
    normalise_recovery_key,
    passphrase_from_env,
)
from hushdesk.sealed import (
    SealedJson,
    WrongKey,
    b64,
    seal,
    seal_under_secret,
    subkey,
    unb64,
    unseal,
    unseal_under_secret,
)

__all__ = ["Locked", "Method", "NoKeychain", "Vault", "WrongKey", "keychain_available"]

log = logging.getLogger("hushdesk.vault")

FORMAT = 1
READ_TRIES = 3

Method = Literal["keychain", "passphrase", "recovery"]


class Locked(HushdeskError):
    """The data is locked: unlock it with the passphrase, the keychain or the recovery key."""

    def __init__(self, message: str = "Your data is locked.", *, detail: str | None = None):
        super().__init__(message, detail=detail)


# -- the vault --------------------------------------------------------------------------


class Vault:
    """``keys.json`` and, once unlocked, the data key in memory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.keys_file()
        self._key: bytes | None = None
        self._old: bytes | None = None  # K0 while a rotation is pending
        self._done: frozenset[str] = frozenset()
        self._lock = threading.RLock()

    # -- state ----------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        for _attempt in range(READ_TRIES):
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                break
            except FileNotFoundError:
                return {}
            except (OSError, ValueError) as exc:
                # a file opened just as a key change replaced it reads as overwritten
                # bytes: the new one is in place a moment later
                error = exc
                time.sleep(0.05)
        else:
            raise StoreError(
                f"The key file {self.path} cannot be read ({error}). Restore it from a backup "
                "of the data folder: without it, neither your passphrase nor your recovery "
                "key can open your data.",
                detail=repr(error),
            ) from error
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise StoreError(f"The key file {self.path} was written by another Hushdesk.")
        return raw

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def unlocked(self) -> bool:
        return self._key is not None

    @property
    def key(self) -> bytes:
        key = self._key
        if key is None:
            raise Locked()
        return key

    def methods(self) -> list[Method]:
        wraps = self._read().get("wraps", {})
        return [m for m in ("keychain", "passphrase", "recovery") if m in wraps]

    def store_key(self, name: str) -> bytes:
        """The key of one store (``conversations``, ``library``, …): under the old data
        key while a rotation has not reached it yet."""
        return subkey(self.data_key_for(name), f"store:{name}")

    def data_key_for(self, name: str) -> bytes:
        key, old = self.key, self._old
        return old if old is not None and name not in self._done else key

    def sealed(self, path: Path, name: str) -> SealedJson:
        """A small encrypted file (``profile``, ``cli-history``) under its own key."""
        return SealedJson(path, lambda: self.store_key(name), name)

    @property
    def rotating(self) -> bool:
        """A key rotation began and has not finished (it resumes at the next start)."""
        return self._old is not None

    # -- create and unlock ----------------------------------------------------------------

    def create(self, *, passphrase: str | None = None, keychain: bool = False) -> bytes:
        """A new random data key, wrapped by the passphrase and/or the keychain."""
        if passphrase is None and not keychain:
            raise ValueError("a passphrase or the keychain is needed")
        with self._lock:
            if self.exists():
                raise StoreError("Your data already has a key; unlock it instead.")
            key = secrets.token_bytes(32)
            record = _new_record(key)
            if keychain:
                self._wrap_keychain(record, key)
            if passphrase is not None:
                record["wraps"]["passphrase"] = seal_under_secret(key, check_passphrase(passphrase))
            atomic_write_json(self.path, record)
            self._key = key
            return key

    def unlock_keychain(self) -> bool:
        """True when the keychain held the key (no typing needed)."""
        record = self._read()
        wrap = record.get("wraps", {}).get("keychain")
        if not wrap or not keychain_available():
            return False
        try:
            secret = keychain_get(str(wrap.get("account", "")))
        except NoKeychain as exc:
            log.warning("keychain: %s", exc)
            return False
        if not secret:
            return False
        self._accept(record, unb64(secret))
        return True

    def unlock(self, passphrase: str) -> None:
        self._unwrap("passphrase", passphrase, "This passphrase does not unlock your data.")

    def unlock_with_recovery_key(self, code: str) -> None:
        self._unwrap(
            "recovery", normalise_recovery_key(code), "This recovery key does not unlock your data."
        )

    def unlock_typed(self, secret: str) -> None:
        """What a person typed: the passphrase, else the recovery key."""
        methods = self.methods()
        try:
            if "passphrase" not in methods:
                raise WrongKey("Your data has no passphrase set.")
            self.unlock(secret)
        except WrongKey:
            if "recovery" not in methods:
                raise
            try:
                self.unlock_with_recovery_key(secret)
            except WrongKey as exc:
                raise WrongKey("This is neither your passphrase nor your recovery key.") from exc

    def _unwrap(self, method: Method, secret: str, wrong: str) -> None:
        record = self._read()
        wrap = record.get("wraps", {}).get(method)
        if not wrap:
            raise WrongKey(f"Your data has no {method} set.")
        try:
            key = unseal_under_secret(wrap, secret)
        except WrongKey as exc:
            raise WrongKey(wrong) from exc
        self._accept(record, key)

    def _accept(self, record: dict[str, Any], key: bytes) -> None:
        try:
            unseal(key, unb64(record.get("check")), "check")
        except (WrongKey, ValueError) as exc:
            raise WrongKey("The key found does not unlock this data.") from exc
        rotation = record.get("rotation")
        old: bytes | None = None
        if isinstance(rotation, dict):
            try:
                old = unseal(key, unb64(rotation.get("old")), "previous data key")
            except (WrongKey, ValueError) as exc:
                raise StoreError(f"The key change recorded in {self.path} is damaged.") from exc
        self._key, self._old = key, old
        self._done = (
            frozenset(rotation.get("done", ())) if isinstance(rotation, dict) else frozenset()
        )

    def reload(self) -> None:
        """``keys.json`` read again (another process may have changed the keys since
        this one unlocked): ``Locked`` when the key in memory no longer opens it."""
        with self._lock:
            key = self.key
            try:
                self._accept(self._read(), key)
            except WrongKey as exc:
                self.lock()
                raise Locked(
                    "Your keys were changed by another Hushdesk window or command; unlock again."
                ) from exc

    def lock(self) -> None:
        self._key = self._old = None
        self._done = frozenset()

    # -- change how it unlocks ------------------------------------------------------------

    def add_passphrase(self, passphrase: str) -> None:
        """A first passphrase (the keychain alone unlocked until now). Replacing or
        removing one changes the data key: ``begin_rotation``."""

        def change(record: dict[str, Any], key: bytes) -> None:
            if "passphrase" in record["wraps"]:
                raise StoreError("A passphrase is set already; changing it changes the key.")
            record["wraps"]["passphrase"] = seal_under_secret(key, check_passphrase(passphrase))

        self._change(change)

    def is_passphrase(self, passphrase: str) -> bool:
        """Whether ``passphrase`` is the one set (it unwraps the key in memory)."""
        wrap = self._read().get("wraps", {}).get("passphrase")
        if not wrap:
            return False
        try:
            found = unseal_under_secret(wrap, passphrase)
        except WrongKey:
            return False
        return hmac.compare_digest(found, self.key)

    def set_keychain(self, on: bool) -> None:
        def change(record: dict[str, Any], key: bytes) -> None:
            if on:
                self._wrap_keychain(record, key)
                return
            if "passphrase" not in record["wraps"]:
                raise WrongKey("Set a passphrase before turning the keychain off.")
            wrap = record["wraps"].pop("keychain", None)
            if wrap:
                keychain_delete(str(wrap.get("account", "")))

        self._change(change)

    def new_recovery_key(self) -> str:
        """A first recovery key; shown once. Replacing one changes the data key
        (``begin_rotation``)."""
        code = new_recovery_key()

        def change(record: dict[str, Any], key: bytes) -> None:
            if "recovery" in record["wraps"]:
                raise StoreError("A recovery key is set already; a new one changes the key.")
            record["wraps"]["recovery"] = seal_under_secret(key, code)

        self._change(change)
        return code

    def _change(self, change: Callable[[dict[str, Any], bytes], None]) -> None:
        with self._lock:
            record = self._read()
            change(record, self.key)
            atomic_write_json(self.path, record)

    # -- key rotation (see the module's docstring) ----------------------------------------

    def begin_rotation(self, *, passphrase: str | None, recovery: bool) -> str | None:
        """A new data key, wrapped by ``passphrase`` (``None``: none), a new recovery key
        when ``recovery`` (returned, to be shown once) and the keychain when it is on;
        the old ``keys.json`` is replaced and overwritten. The stores still need
        ``rotated`` one by one, then ``finish_rotation``."""
        with self._lock:
            old = self.key
            if self._old is not None:
                raise StoreError("A key change is still in progress; it finishes first.")
            record = self._read()
            wraps = record.get("wraps", {})
            if passphrase is None and "keychain" not in wraps:
                raise WrongKey("Turn on the system keychain before removing the passphrase.")
            if passphrase is not None:
                check_passphrase(passphrase)
            new = secrets.token_bytes(32)
            code = new_recovery_key() if recovery else None
            fresh = _new_record(new)
            fresh["rotation"] = {
                "old": b64(seal(new, old, "previous data key")),
                "done": [],
                "current": None,
                "keychain": wraps.get("keychain", {}).get("account"),
            }
            if "keychain" in wraps:
                self._wrap_keychain(fresh, new)
            if passphrase is not None:
                fresh["wraps"]["passphrase"] = seal_under_secret(new, passphrase)
            if code is not None:
                fresh["wraps"]["recovery"] = seal_under_secret(new, code)
            replace_overwriting(self.path, fresh)
            self._key, self._old, self._done = new, old, frozenset()
            return code

    def rotation_keys(self) -> tuple[bytes, bytes]:
        """(old, new) data keys of the rotation in progress."""
        old = self._old
        if old is None:
            raise StoreError("No key change is in progress.")
        return old, self.key

    def rotation_journal(self) -> tuple[frozenset[str], str | None]:
        """The stores done, and the one that was in progress (``None``) when it stopped."""
        rotation = self._read().get("rotation") or {}
        current = rotation.get("current")
        return frozenset(rotation.get("done", ())), current if isinstance(current, str) else None

    def rotating_now(self, name: str | None) -> None:
        """The journal names ``name`` as the store being re-keyed now."""
        self._journal(lambda rotation: rotation.update(current=name))

    def rotated(self, name: str) -> None:
        """``name`` is under the new key now."""

        def change(rotation: dict[str, Any]) -> None:
            rotation["done"] = sorted({*rotation.get("done", ()), name})
            rotation["current"] = None

        self._journal(change)
        self._done = self._done | {name}

    def _journal(self, change: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            record = self._read()
            rotation = record.get("rotation")
            if not isinstance(rotation, dict):
                raise StoreError("No key change is in progress.")
            change(rotation)
            atomic_write_json(self.path, record)

    def finish_rotation(self) -> None:
        """Every store is under the new key: the old one leaves ``keys.json`` and the
        keychain."""
        with self._lock:
            record = self._read()
            rotation = record.pop("rotation", None)
            replace_overwriting(self.path, record)
            self._old, self._done = None, frozenset()
            account = rotation.get("keychain") if isinstance(rotation, dict) else None
            if account and account != record["wraps"].get("keychain", {}).get("account"):
                try:
                    keychain_delete(str(account))
                except NoKeychain as exc:
                    log.warning("the old keychain entry was not removed: %s", exc)

    def _wrap_keychain(self, record: dict[str, Any], key: bytes) -> None:
        if not keychain_available():
            raise NoKeychain("This system has no keychain Hushdesk can use; set a passphrase.")
        account = f"data-key-{record['id']}"
        keychain_set(account, b64(key))
        record["wraps"]["keychain"] = {"service": KEYCHAIN_SERVICE, "account": account}

    # -- destroy --------------------------------------------------------------------------

    def destroy(self) -> None:
        """Forget the key everywhere: the keychain entry, then ``keys.json`` overwritten
        and removed. Everything encrypted with it is unreadable from here on."""
        with self._lock:
            self.lock()
            try:
                record = self._read()
            except StoreError:
                record = {}
            rotation = record.get("rotation") or {}
            accounts = {record.get("wraps", {}).get("keychain", {}).get("account")}
            for account in (accounts | {rotation.get("keychain")}) - {None}:
                try:
                    keychain_delete(str(account))
                except NoKeychain as exc:
                    log.warning("keychain entry not removed: %s", exc)
            if self.path.exists():
                with contextlib.suppress(OSError), self.path.open("r+b") as handle:
                    handle.write(os.urandom(max(handle.seek(0, os.SEEK_END), 1)))
                    handle.flush()
                    os.fsync(handle.fileno())
                self.path.unlink(missing_ok=True)


def _new_record(key: bytes) -> dict[str, Any]:
    """A ``keys.json`` for a new data key, with nothing to unlock it yet."""
    check = b64(seal(key, b"hushdesk", "check"))
    return {"format": FORMAT, "id": uuid.uuid4().hex, "check": check, "wraps": {}}


def unlock_without_asking(vault: Vault) -> bool:
    """Unlock, or create on a fresh data folder, with no one to ask: the passphrase file
    if set, else the keychain. False when a person has to type something."""
    if vault.unlocked:
        return True
    passphrase = passphrase_from_env()
    if passphrase is not None:
        if vault.exists():
            vault.unlock(passphrase)
        else:
            vault.create(passphrase=passphrase)
        return True
    return vault.exists() and vault.unlock_keychain()
