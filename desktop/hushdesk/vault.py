"""The data key: one random key encrypts everything Hushdesk keeps about the user.

The key itself is never written in the clear. ``keys.json`` (in the data folder) holds
it wrapped, once per way to unlock:

- ``keychain``: the key sits in the OS keychain (Windows Credential Manager, macOS
  Keychain, Secret Service) through ``keyring``; unlocking needs no typing.
- ``passphrase``: wrapped (AES-256-GCM) by a key derived from the passphrase with
  argon2id, memory-hard, so a copied disk cannot be brute-forced cheaply.
- ``recovery``: the same, under a printable recovery key (128 random bits) the user
  keeps on paper, for a forgotten passphrase or a lost keychain.

Every store derives its own key from the data key (HKDF), so a key never serves two
purposes. Destroying ``keys.json`` and the keychain entry makes every store unreadable
at once; that is the first step of a wipe.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from hushdesk import paths
from hushdesk.errors import HushdeskError, StoreError
from hushdesk.fsutil import atomic_write_bytes, atomic_write_json

log = logging.getLogger("hushdesk.vault")

FORMAT = 1
KEYCHAIN_SERVICE = "Hushdesk"
PASSPHRASE_FILE_ENV = "HUSHDESK_PASSPHRASE_FILE"  # noqa: S105 (a variable name)
KEYCHAIN_TIMEOUT_S = 120.0  # the OS may ask the user to unlock the keychain first
# RFC 9106's second recommended argon2id setting: 64 MiB, 3 passes, 4 lanes.
KDF = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
MIN_PASSPHRASE = 8

Method = Literal["keychain", "passphrase", "recovery"]
T = TypeVar("T")


class Locked(HushdeskError):
    """The data is locked: unlock it with the passphrase, the keychain or the recovery key."""

    def __init__(self, message: str = "Your data is locked.", *, detail: str | None = None):
        super().__init__(message, detail=detail)


class WrongKey(HushdeskError):
    """A passphrase or recovery key that does not open the data."""


class NoKeychain(HushdeskError):
    """This system has no usable keychain (a passphrase is needed)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _stretch(secret: str, params: dict[str, Any]) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret.encode("utf-8"),
        _unb64(params["salt"]),
        time_cost=int(params["time_cost"]),
        memory_cost=int(params["memory_cost"]),
        parallelism=int(params["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def seal(key: bytes, data: bytes, purpose: str) -> bytes:
    """AES-256-GCM with a random nonce; ``purpose`` is bound as associated data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, purpose.encode())


def unseal(key: bytes, blob: bytes, purpose: str) -> bytes:
    """The data ``seal`` wrapped; ``WrongKey`` when the key or the data do not match."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], purpose.encode())
    except (InvalidTag, ValueError) as exc:
        raise WrongKey("The key does not open this data.") from exc


def subkey(key: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the data key (HKDF-SHA256, RFC 5869)."""
    prk = hmac.new(b"hushdesk-data-key", key, hashlib.sha256).digest()
    return hmac.new(prk, purpose.encode() + b"\x01", hashlib.sha256).digest()


def new_recovery_key() -> str:
    """140 random bits as 7 groups of 4 letters and digits (no 0/O, 1/I), easy to copy."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return normalise_recovery_key("".join(secrets.choice(alphabet) for _ in range(28)))


def normalise_recovery_key(text: str) -> str:
    code = "".join(c for c in text.upper() if c.isalnum())
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class SealedJson:
    """A small JSON document kept encrypted (the personal settings)."""

    def __init__(self, path: Path, key: bytes, purpose: str) -> None:
        self.path, self._key, self._purpose = path, key, purpose

    def read(self) -> Any:
        """The document, or ``None`` when there is none yet."""
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"Cannot read {self.path.name} ({exc}).", detail=repr(exc)) from exc
        try:
            return json.loads(unseal(self._key, blob, self._purpose))
        except (WrongKey, ValueError) as exc:
            raise StoreError(
                f"{self.path.name} is damaged or was written with another key.", detail=repr(exc)
            ) from exc

    def write(self, data: Any) -> None:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self.path, seal(self._key, text, self._purpose))


# -- the OS keychain --------------------------------------------------------------------


def _timed(call: Callable[[], T], what: str) -> T:
    """Keychain calls go over IPC to another program, which may hang: bounded."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name=f"keychain-{what}", daemon=True)
    thread.start()
    thread.join(KEYCHAIN_TIMEOUT_S)
    if thread.is_alive():
        raise NoKeychain(f"The system keychain did not answer ({what}).")
    if "error" in box:
        raise NoKeychain(f"The system keychain failed ({what}): {box['error']}")
    return box["value"]  # type: ignore[no-any-return]


def keychain_available() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    chained = getattr(backend, "backends", None)
    if chained is not None:
        return bool(chained)
    return not isinstance(backend, fail.Keyring) and float(backend.priority) > 0


def _keychain_get(account: str) -> str | None:
    import keyring

    return _timed(lambda: keyring.get_password(KEYCHAIN_SERVICE, account), "read")


def _keychain_set(account: str, secret: str) -> None:
    import keyring

    _timed(lambda: keyring.set_password(KEYCHAIN_SERVICE, account, secret), "write")


def _keychain_delete(account: str) -> None:
    import keyring
    from keyring.errors import PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError):
        _timed(lambda: keyring.delete_password(KEYCHAIN_SERVICE, account), "delete")


# -- the vault --------------------------------------------------------------------------


class Vault:
    """``keys.json`` and, once unlocked, the data key in memory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.keys_file()
        self._key: bytes | None = None
        self._lock = threading.Lock()

    # -- state ----------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"The key file {self.path} cannot be read ({exc}). Restore it from a backup "
                "of the data folder: without it, neither your passphrase nor your recovery "
                "key can open your data.",
                detail=repr(exc),
            ) from exc
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
        """The key of one store (``conversations``, ``library``, …)."""
        return subkey(self.key, f"store:{name}")

    def sealed(self, path: Path, name: str) -> SealedJson:
        """A small encrypted file (``profile``, ``cli-history``) under its own key."""
        return SealedJson(path, self.store_key(name), name)

    # -- create and unlock ----------------------------------------------------------------

    def create(self, *, passphrase: str | None = None, keychain: bool = False) -> bytes:
        """A new random data key, wrapped by the passphrase and/or the keychain."""
        if passphrase is None and not keychain:
            raise ValueError("a passphrase or the keychain is needed")
        with self._lock:
            if self.exists():
                raise StoreError("Your data already has a key; unlock it instead.")
            key = secrets.token_bytes(32)
            record: dict[str, Any] = {
                "format": FORMAT,
                "id": uuid.uuid4().hex,
                "check": _b64(seal(key, b"hushdesk", "check")),
                "wraps": {},
            }
            if keychain:
                self._wrap_keychain(record, key)
            if passphrase is not None:
                record["wraps"]["passphrase"] = _wrap_secret(key, check_passphrase(passphrase))
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
            secret = _keychain_get(str(wrap.get("account", "")))
        except NoKeychain as exc:
            log.warning("keychain: %s", exc)
            return False
        if not secret:
            return False
        self._accept(record, _unb64(secret))
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
            key = unseal(_stretch(secret, wrap), _unb64(wrap["sealed"]), "data key")
        except (WrongKey, KeyError, ValueError) as exc:
            raise WrongKey(wrong) from exc
        self._accept(record, key)

    def _accept(self, record: dict[str, Any], key: bytes) -> None:
        try:
            unseal(key, _unb64(record.get("check")), "check")
        except (WrongKey, ValueError) as exc:
            raise WrongKey("The key found does not unlock this data.") from exc
        self._key = key

    def lock(self) -> None:
        self._key = None

    # -- change how it unlocks ------------------------------------------------------------

    def set_passphrase(self, passphrase: str | None) -> None:
        """A new passphrase (``None`` removes it; the keychain must then be on)."""
        self._change(lambda record, key: self._set_passphrase(record, key, passphrase))

    def _set_passphrase(self, record: dict[str, Any], key: bytes, passphrase: str | None) -> None:
        wraps = record["wraps"]
        if passphrase is None:
            if "keychain" not in wraps:
                raise WrongKey("Turn on the system keychain before removing the passphrase.")
            wraps.pop("passphrase", None)
        else:
            wraps["passphrase"] = _wrap_secret(key, check_passphrase(passphrase))

    def set_keychain(self, on: bool) -> None:
        def change(record: dict[str, Any], key: bytes) -> None:
            if on:
                self._wrap_keychain(record, key)
                return
            if "passphrase" not in record["wraps"]:
                raise WrongKey("Set a passphrase before turning the keychain off.")
            wrap = record["wraps"].pop("keychain", None)
            if wrap:
                _keychain_delete(str(wrap.get("account", "")))

        self._change(change)

    def new_recovery_key(self) -> str:
        """A fresh recovery key (the previous one stops working); shown once."""
        code = new_recovery_key()
        self._change(lambda record, key: record["wraps"].update(recovery=_wrap_secret(key, code)))
        return code

    def _change(self, change: Callable[[dict[str, Any], bytes], None]) -> None:
        with self._lock:
            record = self._read()
            change(record, self.key)
            atomic_write_json(self.path, record)

    def _wrap_keychain(self, record: dict[str, Any], key: bytes) -> None:
        if not keychain_available():
            raise NoKeychain("This system has no keychain Hushdesk can use; set a passphrase.")
        account = f"data-key-{record['id']}"
        _keychain_set(account, _b64(key))
        record["wraps"]["keychain"] = {"service": KEYCHAIN_SERVICE, "account": account}

    # -- destroy --------------------------------------------------------------------------

    def destroy(self) -> None:
        """Forget the key everywhere: the keychain entry, then ``keys.json`` overwritten
        and removed. Everything encrypted with it is unreadable from here on."""
        with self._lock:
            self._key = None
            try:
                record = self._read()
            except StoreError:
                record = {}
            wrap = record.get("wraps", {}).get("keychain")
            if wrap:
                try:
                    _keychain_delete(str(wrap.get("account", "")))
                except NoKeychain as exc:
                    log.warning("keychain entry not removed: %s", exc)
            if self.path.exists():
                with contextlib.suppress(OSError), self.path.open("r+b") as handle:
                    handle.write(os.urandom(max(handle.seek(0, os.SEEK_END), 1)))
                    handle.flush()
                    os.fsync(handle.fileno())
                self.path.unlink(missing_ok=True)


def check_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WrongKey(f"Use a passphrase of at least {MIN_PASSPHRASE} characters.")
    return passphrase


def _wrap_secret(key: bytes, secret: str) -> dict[str, Any]:
    params: dict[str, Any] = {"kdf": "argon2id", **KDF, "salt": _b64(os.urandom(16))}
    params["sealed"] = _b64(seal(_stretch(secret, params), key, "data key"))
    return params


def passphrase_from_env() -> str | None:
    """The passphrase in ``HUSHDESK_PASSPHRASE_FILE`` (scripts and tests), first line."""
    name = os.environ.get(PASSPHRASE_FILE_ENV)
    if not name:
        return None
    try:
        text = Path(name).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise WrongKey(f"{PASSPHRASE_FILE_ENV} names a file that cannot be read ({exc}).") from exc
    return text.splitlines()[0] if text.strip() else ""


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
