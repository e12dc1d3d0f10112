"""The one rule for a server address the user adds (a connection, a shared library):
it must be one the firm's policy allows, when it lists any (``policy``), and plain
``http://`` to another computer is refused unless the user said so explicitly.

Over plain HTTP the server's token, every prompt and every retrieved passage cross the
network readable by anyone on the way; a typo or a copied address must not do that
silently. ``http://`` to this computer (loopback) never leaves it and stays allowed.
Checked before anything is sent, so a refused address is never even looked up.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hushdesk.errors import HushdeskError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
UNENCRYPTED_BADGE = "unencrypted"
ALLOW_OPTION = 'add --allow-unencrypted (in the app: tick "Allow unencrypted")'


class UnencryptedRefused(HushdeskError):
    """A plain-HTTP address of another computer, without ``allow_unencrypted``."""


def is_loopback_host(host: str) -> bool:
    """This computer's own name or a loopback address (127.0.0.0/8, ::1, and IPv4's
    loopback mapped into IPv6). The one test of it: the network guard, the API's Host
    check and the cleartext rule all ask here.

    A ``%`` is an IPv6 zone only inside an IPv6 address: ``127.0.0.1%09.evil.example``
    is a name a resolver would look up, not loopback."""
    host = host.lower().strip("[]")
    if "%" in host:
        if ":" not in host:
            return False
        host = host.split("%", 1)[0]
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def is_unencrypted(url: str) -> bool:
    """True for ``http://`` to another computer: what crosses it is readable on the way."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname or "")


def require_allowed(url: str, *, allow_unencrypted: bool, option: str = ALLOW_OPTION) -> None:
    """The rule, checked when a server is added, tested and used (a policy that came
    later also stops a server added before it)."""
    from hushdesk import policy

    policy.load().require_server(url)
    require_encrypted(url, allow_unencrypted=allow_unencrypted, option=option)


def require_encrypted(url: str, *, allow_unencrypted: bool, option: str = ALLOW_OPTION) -> None:
    """Refuse ``url`` when it is plain HTTP to another computer and the user did not
    allow it explicitly (``option``: how they would, e.g. ``--allow-unencrypted``)."""
    if allow_unencrypted or not is_unencrypted(url):
        return
    host = urlsplit(url.strip()).hostname or url
    raise UnencryptedRefused(
        f"Refused: {url} is plain http:// to another computer ({host}), so the token, "
        "your prompts and the passages from your documents would cross the network "
        "unencrypted, readable by anyone on the way. Use https:// (with --ca-file for "
        f"your firm's own certificate authority), or, on a network you trust, {option}."
    )
