"""The secrets a person types or keeps: passphrases (their minimum, the file a script
names) and recovery keys (made, and read back however they were copied). The vault
wraps the data key with them; this module only makes and reads the text."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hushdesk.fsutil import require_private_file
from hushdesk.sealed import WrongKey

PASSPHRASE_FILE_ENV = "HUSHDESK_PASSPHRASE_FILE"  # noqa: S105 (a variable name)
MIN_PASSPHRASE = 8


def new_recovery_key() -> str:
    """140 random bits as 7 groups of 4 letters and digits (no 0/O, 1/I), easy to copy."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return normalise_recovery_key("".join(secrets.choice(alphabet) for _ in range(28)))


def normalise_recovery_key(text: str) -> str:
    code = "".join(c for c in text.upper() if c.isalnum())
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def check_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WrongKey(f"Use a passphrase of at least {MIN_PASSPHRASE} characters.")
    return passphrase


def passphrase_from_env() -> str | None:
    """The passphrase in ``HUSHDESK_PASSPHRASE_FILE`` (scripts and tests), first line."""
    name = os.environ.get(PASSPHRASE_FILE_ENV)
    if not name:
        return None
    return passphrase_from_file(Path(name).expanduser(), f"passphrase file ({PASSPHRASE_FILE_ENV})")


def passphrase_from_file(path: Path, what: str = "passphrase file") -> str:
    """The first line of a file that only this account can read (``NotPrivate`` else)."""
    require_private_file(path, what)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WrongKey(f"The {what} {path} cannot be read ({exc.strerror or exc}).") from exc
    return text.splitlines()[0] if text.strip() else ""
