"""The OS keychain (Windows Credential Manager, macOS Keychain, Secret Service) through
``keyring``: where the data key may be kept so that unlocking needs no typing. Every call
goes over IPC to another program, which may hang, so each is bounded in time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from hushdesk.errors import HushdeskError

KEYCHAIN_SERVICE = "Hushdesk"
KEYCHAIN_TIMEOUT_S = 120.0  # the OS may ask the user to unlock the keychain first
T = TypeVar("T")


class NoKeychain(HushdeskError):
    """This system has no usable keychain (a passphrase is needed)."""


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


def keychain_get(account: str) -> str | None:
    import keyring

    return _timed(lambda: keyring.get_password(KEYCHAIN_SERVICE, account), "read")


def keychain_set(account: str, secret: str) -> None:
    import keyring

    _timed(lambda: keyring.set_password(KEYCHAIN_SERVICE, account, secret), "write")


def keychain_delete(account: str) -> None:
    import keyring
    from keyring.errors import PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError):
        _timed(lambda: keyring.delete_password(KEYCHAIN_SERVICE, account), "delete")
