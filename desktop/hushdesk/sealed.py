"""Small secrets sealed with a key: AES-256-GCM (``seal``/``unseal``), a key per purpose
derived from the data key (``subkey``), the data key sealed under a typed secret
(``seal_under_secret``: argon2id), and ``SealedJson``, a small JSON document kept
encrypted (the personal settings, the typed CLI lines), which a key rotation seals again
under the new key (``vault``'s docstring).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hushdesk.errors import HushdeskError, StoreError
from hushdesk.fsutil import atomic_write_bytes

log = logging.getLogger("hushdesk.vault")


class WrongKey(HushdeskError):
    """A passphrase or recovery key that does not open the data."""


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
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(SHA256(), 32, salt=b"hushdesk-data-key", info=purpose.encode()).derive(key)


# RFC 9106's second recommended argon2id setting: 64 MiB, 3 passes, 4 lanes.
KDF = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def seal_under_secret(key: bytes, secret: str) -> dict[str, Any]:
    """``key`` sealed under a passphrase or recovery key, stretched with argon2id
    (memory-hard, so a copied disk cannot be brute-forced cheaply): the parameters, the
    salt and the sealed key, as ``keys.json`` keeps them."""
    params: dict[str, Any] = {"kdf": "argon2id", **KDF, "salt": b64(os.urandom(16))}
    params["sealed"] = b64(seal(_stretch(secret, params), key, "data key"))
    return params


def unseal_under_secret(wrap: dict[str, Any], secret: str) -> bytes:
    """The key ``seal_under_secret`` sealed; ``WrongKey`` for another secret or a damaged
    record."""
    try:
        return unseal(_stretch(secret, wrap), unb64(wrap["sealed"]), "data key")
    except (KeyError, ValueError) as exc:
        raise WrongKey("The key does not open this data.") from exc


def _stretch(secret: str, params: dict[str, Any]) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret.encode("utf-8"),
        unb64(params["salt"]),
        time_cost=int(params["time_cost"]),
        memory_cost=int(params["memory_cost"]),
        parallelism=int(params["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


# Held while a sealed file is read or written, and while a rotation seals it again and
# marks it done, so a write in between cannot use the key that is being retired.
SEALED_LOCK = threading.RLock()


class SealedJson:
    """A small JSON document kept encrypted (the personal settings). The key may be a
    function (the vault's: it changes with a key rotation)."""

    def __init__(self, path: Path, key: bytes | Callable[[], bytes], purpose: str) -> None:
        self.path, self._purpose = path, purpose
        self._key_source = key

    @property
    def _key(self) -> bytes:
        key = self._key_source
        return key if isinstance(key, bytes) else key()

    def read(self) -> Any:
        with SEALED_LOCK:
            return self._read()

    def _read(self) -> Any:
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
        with SEALED_LOCK:
            atomic_write_bytes(self.path, seal(self._key, text, self._purpose))

    def reseal(self, old: bytes, new: bytes) -> None:
        """From the old key to the new one (a rotation; nothing to do when already)."""
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return
        try:
            unseal(new, blob, self._purpose)
            return  # done before a crash
        except WrongKey:
            pass
        try:
            text = unseal(old, blob, self._purpose)
        except WrongKey:
            log.warning("%s opens with neither key; left as it is", self.path.name)
            return
        atomic_write_bytes(self.path, seal(new, text, self._purpose))
