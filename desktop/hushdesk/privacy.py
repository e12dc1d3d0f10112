"""Offline by construction. ``apply()`` runs first in every entry point and child process.

Two layers:
1. Environment variables that switch every library we use (and their dependencies)
   to offline mode and turn telemetry off. They must be set before those libraries
   are imported, because most of them read the environment once, at import.
   OpenTelemetry is switched off and every ``OTEL_*``/``CHROMA_OTEL_*`` setting the
   user's environment had is removed (an exporter endpoint would send traces out).
   Proxy settings are set aside, and ``NO_PROXY=*`` stops libraries from discovering
   the system's proxies (Windows registry, macOS settings) when the variables are gone.
2. A network guard: a ``sys.addaudithook`` hook that refuses any connection or name
   lookup for another computer, and any connection to this one that is not to a
   Hushdesk service (``local_service``): a local proxy or another program listening on
   loopback could carry data out. The ways past it: ``allow_network()``, around a
   download the user started, and ``reach(host, port)``, around a request to a server
   the user added (a connection, a shared library) — that host and port only. Both
   open the way for the current thread only.
   The same hook records every program launched (``launched()``, logged).

The guard sees connections made by Python code. Native libraries that open their
own sockets are out of its reach; the environment variables cover those we ship, and
a test runs a whole session under strace to prove nothing else connects.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hushdesk import endpoints, sandbox
from hushdesk.errors import NetworkBlocked

log = logging.getLogger("hushdesk.privacy")

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "GGML_NO_NETWORK": "1",
    # ONNX Runtime (OCR) 1.32 sends 1DS telemetry to Microsoft and keeps a device id and
    # an event queue under ~/.cache; this stops it before it starts (tests/integration/
    # test_privacy_at_rest.py). The reader children have no network besides (sandbox).
    "ORT_DISABLE_TELEMETRY": "1",
    # OpenTelemetry (Chroma and others carry it): no SDK, no exporter.
    "OTEL_SDK_DISABLED": "true",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
    # Quiet libraries: their progress bars and notices would end up in the CLI's output.
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}

# Not about privacy, but it too must be set before numpy is imported, in every process:
# OpenBLAS's own threads spin after each vector search and slow the embedding model's
# threads down (bench/retrieve.py at 100k passages: p95 136 ms with them, 68 ms without).
RUNTIME_ENV = {"OPENBLAS_NUM_THREADS": "1"}

PROXY_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)
TELEMETRY_PREFIXES = ("OTEL_", "CHROMA_OTEL_")
LAUNCH_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.startfile"}
)
_original_proxies: dict[str, str] = {}
_local_ports: set[int] = set()
_launched: list[str] = []


_lock = threading.Lock()
_blocked: list[str] = []
_installed = threading.Event()
_scope = threading.local()  # .depth > 0 while this thread runs a user-started download;
# .reach: the (host, port) pairs, and the addresses they resolved to, it may connect to


# Usage-statistics packages that other libraries import when present and then use
# unless told not to in a file of their own: made unimportable, so those libraries take
# their built-in stand-ins. OpenVINO's model conversion and NNCF send their statistics
# (and write a client id under ~/intel) when no consent file says no.
UNIMPORTABLE = ("openvino_telemetry",)


def apply() -> None:
    """Set the offline environment and install the network guard; files created from
    now on are private to this user (umask 077). Idempotent.

    Proxy variables are removed too: a proxy on 127.0.0.1 would carry any library's
    traffic (and its DNS lookups) past the guard, which allows loopback. A download the
    user starts gets them back through ``proxies()``.
    """
    if os.name == "posix":
        os.umask(0o077)  # what Hushdesk writes is readable by this user only
    sandbox.no_core_dumps()  # a crash must not write the conversation to disk
    for name in [n for n in os.environ if n.startswith(TELEMETRY_PREFIXES)]:
        del os.environ[name]
    os.environ.update(OFFLINE_ENV)
    for name, setting in RUNTIME_ENV.items():
        os.environ.setdefault(name, setting)
    for name in PROXY_ENV:
        value = os.environ.pop(name, None)
        if value and value != "*":
            _original_proxies.setdefault(name, value)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"  # and no proxy discovery
    for name in UNIMPORTABLE:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # import fails
    install_guard()


def proxies() -> dict[str, str]:
    """The proxy settings the user had, for a download they started."""
    return dict(_original_proxies)


def install_guard() -> None:
    with _lock:
        if _installed.is_set():
            return
        _installed.set()
    sys.addaudithook(_audit)


def guard_installed() -> bool:
    return _installed.is_set()


def blocked_attempts() -> list[str]:
    """Every destination the guard refused in this process, oldest first."""
    with _lock:
        return list(_blocked)


def clear_blocked_attempts() -> None:
    with _lock:
        _blocked.clear()


@contextmanager
def allow_network() -> Iterator[None]:
    """Let the current thread reach the network while the block runs.

    Only for a download the user started. The permission belongs to this thread,
    so nothing else running at the same time gets through.
    """
    _scope.depth = getattr(_scope, "depth", 0) + 1
    try:
        yield
    finally:
        _scope.depth -= 1


@contextmanager
def local_service(port: int) -> Iterator[None]:
    """While the block runs, connections to ``port`` on this computer are allowed: a
    server Hushdesk itself started (its API, a test's stand-in for a hub)."""
    with _lock:
        _local_ports.add(port)
    try:
        yield
    finally:
        with _lock:
            _local_ports.discard(port)


def launched() -> list[str]:
    """Every program this process started (what was run, first word), oldest first."""
    with _lock:
        return list(_launched)


def is_local(host: str) -> bool:
    """This computer: a loopback name or address, or no host at all (a bind to all)."""
    return host.strip() == "" or endpoints.is_loopback_host(host)


@contextmanager
def reach(host: str, port: int) -> Iterator[None]:
    """Let the current thread look up ``host`` and connect to it on ``port`` while the
    block runs: a server the user added. Its addresses are resolved here, once, so the
    connection is let through to them and to nothing else."""
    host = host.lower().strip("[]")
    allowed: list[tuple[str, int]] = getattr(_scope, "reach", None) or []
    _scope.reach = allowed
    entries = [(host, port)]
    allowed.extend(entries)
    try:
        resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        resolved = []  # the request itself says the host cannot be found
    entries += [(str(info[4][0]).lower(), port) for info in resolved]
    allowed.extend(entries[1:])
    try:
        yield
    finally:
        for entry in entries:
            allowed.remove(entry)


def _reachable(host: str, port: int | None) -> bool:
    allowed: list[tuple[str, int]] = getattr(_scope, "reach", None) or []
    host = host.lower().split("%", 1)[0]
    return any(h == host and (port is None or p == port) for h, p in allowed)


def _permitted(host: str, port: int | None = None) -> bool:
    """Lookups of this computer's names are fine; a connection to it only to a port of
    a Hushdesk service. Inside ``allow_network`` anything goes; inside ``reach`` that
    server does."""
    if getattr(_scope, "depth", 0) > 0:
        return True
    if _reachable(host, port):
        return True
    if not is_local(host):
        return False
    with _lock:
        return port is None or port in _local_ports


def self_test() -> bool:
    """True when the guard refuses an outside connection (a TEST-NET address that is
    never routed, so nothing leaves even if the guard were missing)."""
    _scope.probing = True
    try:
        socket.create_connection(("198.51.100.7", 9), timeout=0.5).close()
    except NetworkBlocked:
        return True
    except OSError:
        return False
    finally:
        _scope.probing = False
    return False


def _refuse(what: str) -> None:
    if not getattr(_scope, "probing", False):
        with _lock:
            _blocked.append(what)
        log.warning("Blocked a network connection to %s (Hushdesk works offline).", what)
    raise NetworkBlocked(
        f"Hushdesk blocked a connection to {what}: it works offline and only connects "
        "to the internet for a download you start.",
    )


def _host_of(address: Any) -> str | None:
    """The host of an AF_INET/AF_INET6 address; "" when it cannot be read (refused)."""
    if not isinstance(address, tuple) or not address:
        return ""
    host = address[0]
    if isinstance(host, bytes | bytearray):
        host = bytes(host).decode("ascii", "replace")  # CPython accepts bytes hosts too
    return host if isinstance(host, str) else ""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in LAUNCH_EVENTS:
        _record_launch(event, args)
        return
    if not event.startswith("socket."):
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6):
            return  # AF_UNIX paths, netlink …
        host = _host_of(address)
        port = address[1] if isinstance(address, tuple) and len(address) > 1 else None
        if not host or not _permitted(host, port if isinstance(port, int) else -1):
            _refuse(f"{host or repr(address)}:{port if port is not None else '?'}")
    elif event in ("socket.getaddrinfo", "socket.getnameinfo") or event.startswith(
        "socket.gethostby"
    ):
        target = args[0]
        if event == "socket.getnameinfo":
            target = _host_of(target)
        if isinstance(target, bytes | bytearray):
            target = bytes(target).decode("ascii", "replace")
        if target is not None and not _permitted(str(target)):
            _refuse(str(target))


def _record_launch(event: str, args: tuple[Any, ...]) -> None:
    first = args[0] if args else ""
    if event == "subprocess.Popen" and not first and len(args) > 1:
        first = args[1][0] if isinstance(args[1], list | tuple) and args[1] else args[1]
    name = os.fsdecode(first) if isinstance(first, str | bytes | os.PathLike) else str(first)
    with _lock:
        _launched.append(name)
    log.info("started a program (%s)", event)  # not its name: a file opened may be a client's
