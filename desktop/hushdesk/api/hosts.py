"""Which ``Host`` headers the API answers (DNS rebinding: a web page whose name now
points at this computer must not reach the API through the user's browser).

A loopback name (``127.0.0.1``, ``localhost``, ``[::1]``) is taken only from a client
that really is on this computer: a header anyone can write proves nothing about where
a request came from, so on a server bound to every interface a faked
``Host: 127.0.0.1`` from the network is refused. Otherwise the names given
(``--host``, ``--allow-host``) are accepted, and, bound to another address, the address
the client's connection actually reached. On the network the bearer token, required
from a file there, is the protection; this check keeps browsers' names out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hushdesk import endpoints

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(header: str) -> str:
    """The name in a Host header, without its port or IPv6 brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_loopback_address(address: str) -> bool:
    """A client's address on this computer (``::ffff:127.0.0.1`` too, as a socket bound
    to ``::`` reports an IPv4 client)."""
    return endpoints.is_loopback_host(address)


def host_allowed(scope: Mapping[str, Any], hosts: Sequence[str], *, loopback: bool) -> bool:
    """Whether the request in ``scope`` (ASGI) names this server in its Host header:
    ``hosts`` are the names given; ``loopback``, whether the server is bound to this
    computer only."""
    headers = dict(scope.get("headers") or ())
    name = host_name(headers.get(b"host", b"").decode("latin-1"))
    if not name:
        return False
    if name in LOOPBACK_NAMES:  # even when listed: only from this computer
        client = scope.get("client") or ("", 0)
        return is_loopback_address(str(client[0]))
    if name in {host_name(h) for h in hosts}:
        return True
    server = scope.get("server") or ("", 0)
    return not loopback and name == host_name(f"[{server[0]}]")
