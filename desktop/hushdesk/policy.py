"""The firm's policy: choices a firm's IT locks for everyone on a computer.

A TOML file in the system's place, writable only by an administrator:

- Linux: ``/etc/hushdesk/policy.toml``
- macOS: ``/Library/Application Support/Hushdesk/policy.toml`` (a configuration profile
  can place it there)
- Windows: ``%ProgramData%\\Hushdesk\\policy.toml`` (Group Policy can deploy it)

``HUSHDESK_POLICY_FILE`` names another file (tests, a portable install). Every key is
optional; what is absent stays the user's choice::

    reason = "Smith & Co IT: see the handbook, section 4"   # shown with every lock
    downloads = false                  # no model downloads (imports still work)
    remote_servers = ["*.smithco.internal", "chroma.smithco.example"]  # [] for none
    local_api = false                  # no local API (window or ``hushdesk serve``)
    api_addresses = ["127.0.0.1"]      # where the API may listen, when allowed
    min_retention_days = 30            # a matter's retention may not be shorter
    max_retention_days = 365           # nor longer (and "off" means this long)
    lock_after_min = 10                # the idle lock, fixed

A policy file that exists but cannot be read or makes no sense stops Hushdesk with a
message naming it: a firm's lock must not fail open. Hand-written (a dozen lines of
checks) because it is only ``tomllib`` and typed fields.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hushdesk.errors import HushdeskError

POLICY_ENV = "HUSHDESK_POLICY_FILE"
POLICY_CAP = 64 * 1024


class PolicyError(HushdeskError):
    """The policy file cannot be read, or makes no sense."""


class Locked(HushdeskError):
    """What was asked is locked by the firm's policy."""


@dataclass(frozen=True)
class Policy:
    reason: str = ""
    downloads: bool | None = None
    remote_servers: tuple[str, ...] | None = None
    local_api: bool | None = None
    api_addresses: tuple[str, ...] | None = None
    min_retention_days: int | None = None
    max_retention_days: int | None = None
    lock_after_min: int | None = None
    source: str = ""  # the file it came from ("" when there is none)

    @property
    def any(self) -> bool:
        return bool(self.source)

    def why(self) -> str:
        """How a lock is explained: the firm's own words, where it is set."""
        said = f" ({self.reason})" if self.reason else ""
        return f"your firm's policy{said}, in {self.source}"

    def describe(self) -> list[str]:
        """Each lock in words (the doctor, Settings)."""
        said = []
        if self.downloads is False:
            said.append("no model downloads")
        if self.remote_servers is not None:
            listed = ", ".join(self.remote_servers) or "none"
            said.append(f"servers allowed: {listed}")
        if self.local_api is False:
            said.append("no local API")
        elif self.api_addresses is not None:
            said.append(f"local API only on {', '.join(self.api_addresses) or 'no address'}")
        low, high = self.min_retention_days, self.max_retention_days
        if low is not None or high is not None:
            said.append(f"retention {low or 1}–{high if high is not None else '∞'} days")
        if self.lock_after_min is not None:
            said.append(f"idle lock after {self.lock_after_min} min")
        return said or ["nothing locked"]

    def locked(self, what: str) -> Locked:
        return Locked(f"{what} is locked by {self.why()}.")

    # -- the checks ----------------------------------------------------------------------

    def require_downloads(self) -> None:
        if self.downloads is False:
            raise self.locked("Downloading models")

    def require_server(self, url: str) -> None:
        """A server the user adds (a connection, a shared library) must be one the
        policy lists, when it lists any."""
        if self.remote_servers is None:
            return
        host = (urlsplit(url.strip()).hostname or "").lower()
        if not any(fnmatch.fnmatchcase(host, p.lower()) for p in self.remote_servers):
            raise self.locked(f"Connecting to {host or url}")

    def require_api(self, host: str) -> None:
        if self.local_api is False:
            raise self.locked("The local API")
        if self.api_addresses is not None and host.strip("[]") not in {
            a.strip("[]") for a in self.api_addresses
        }:
            raise self.locked(f"Serving the API on {host}")

    def retention(self, days: int | None) -> int | None:
        """A matter's retention as the policy lets it be: refused outside its bounds,
        "off" becomes the longest allowed."""
        low, high = self.min_retention_days, self.max_retention_days
        if days is None:
            return high
        if low is not None and days < low:
            raise self.locked(f"Keeping things fewer than {low} days")
        if high is not None and days > high:
            raise self.locked(f"Keeping things more than {high} days")
        return days

    def effective_retention(self, days: int | None) -> int | None:
        """What retention applies: a matter's own, brought within the policy's bounds
        (one set before the policy came too); "off" is the longest allowed."""
        low, high = self.min_retention_days, self.max_retention_days
        if days is None:
            return high
        if low is not None:
            days = max(days, low)
        return min(days, high) if high is not None else days


def system_path() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Hushdesk" / "policy.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Hushdesk/policy.toml")
    return Path("/etc/hushdesk/policy.toml")


def policy_path() -> Path:
    named = os.environ.get(POLICY_ENV)
    return Path(named).expanduser() if named else system_path()


@lru_cache(maxsize=4)
def _load(path: str) -> Policy:
    file = Path(path)
    try:
        if not file.exists():
            return Policy()
        data = file.read_bytes()[: POLICY_CAP + 1]
    except OSError as exc:
        raise PolicyError(f"Your firm's policy {file} cannot be read ({exc.strerror}).") from exc
    if len(data) > POLICY_CAP:
        raise PolicyError(f"Your firm's policy {file} is too large to be a policy.")
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"Your firm's policy {file} is not valid TOML: {exc}.") from exc
    return _checked(raw, file)


def _checked(raw: dict[str, Any], file: Path) -> Policy:
    kinds: dict[str, type] = {
        "reason": str,
        "downloads": bool,
        "remote_servers": list,
        "local_api": bool,
        "api_addresses": list,
        "min_retention_days": int,
        "max_retention_days": int,
        "lock_after_min": int,
    }
    where = f"Your firm's policy {file}"
    values: dict[str, Any] = {"source": str(file)}
    for key, given in raw.items():
        kind = kinds.get(key)
        if kind is None:
            raise PolicyError(f"{where} has a setting Hushdesk does not know: {key}.")
        if not isinstance(given, kind) or (kind is int and isinstance(given, bool)):
            raise PolicyError(f"{where}: {key} should be a {kind.__name__}.")
        if isinstance(given, list):
            if not all(isinstance(v, str) for v in given):
                raise PolicyError(f"{where}: {key} should list names.")
            values[key] = tuple(given)
        elif isinstance(given, int) and not isinstance(given, bool) and given < 0:
            raise PolicyError(f"{where}: {key} cannot be negative.")
        else:
            values[key] = given
    low, high = values.get("min_retention_days"), values.get("max_retention_days")
    if low is not None and high is not None and low > high:
        raise PolicyError(f"{where}: the minimum retention is over the maximum.")
    return Policy(**values)


def load() -> Policy:
    """The policy in force (read once per file; ``PolicyError`` when it is broken)."""
    return _load(str(policy_path()))
