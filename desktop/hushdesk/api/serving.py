"""Running the API: on ``hushdesk serve``'s main thread, or in the background of the
app's window (Settings → Local API), over the same ``App`` as the window, so the API's
answers take turns with the window's own on the one model.

The socket is bound here, before uvicorn starts, so a port in use is a clear message
instead of a server thread that exits, and so whether the API is on this computer only
is read from the address really bound (``bound_to_loopback``), never from how the
address was written: ``""``, ``0.0.0.0`` and ``::`` are every interface.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk import endpoints, policy, privacy
from hushdesk.app import App
from hushdesk.errors import HushdeskError

if TYPE_CHECKING:
    import uvicorn

    from hushdesk.api.server import Settings

PORT = 5417
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a clear message when that cannot be (the
    firm's policy may turn the API off, or keep it to some addresses)."""
    policy.load().require_api(host)
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name == "nt":  # Windows' SO_REUSEADDR would let another program share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined,unused-ignore]
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            holder = listener_uid(port)
            if holder is not None and holder != os.getuid():
                raise HushdeskError(
                    f"Port {port} on {host} is held by another account on this computer: "
                    "a program that sends the token there would hand it to that account. "
                    "Choose another port (and tell your scripts)."
                ) from exc
            raise HushdeskError(
                f"Port {port} on {host} is already in use (another Hushdesk, or another "
                "program): choose another port."
            ) from exc
        raise HushdeskError(f"Cannot serve on {host}:{port}: {exc.strerror or exc}.") from exc
    sock.set_inheritable(False)
    return sock


def listener_uid(port: int) -> int | None:
    """The account listening on TCP ``port`` (Linux's ``/proc/net/tcp*``), if known."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 7 and fields[3] == "0A" and fields[1].endswith(f":{port:04X}"):
                return int(fields[7])  # 0A: listening
    return None


def bound_to_loopback(sock: socket.socket) -> bool:
    """Whether ``sock`` listens on this computer only (127.0.0.0/8 or ::1). The
    wildcard addresses, whatever spelling asked for them, are every interface."""
    return endpoints.is_loopback_host(str(sock.getsockname()[0]))


def check_tls(cert: Path, key: Path) -> tuple[str, str]:
    """The certificate and key files, once they are known to load together (a clear
    message now rather than a traceback from the server thread)."""
    from hushdesk.fsutil import require_private_file

    cert, key = cert.expanduser().resolve(), key.expanduser().resolve()
    require_private_file(key, "TLS key file")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise HushdeskError(f"Cannot use {cert} with the key {key} for TLS: {reason}.") from exc
    return str(cert), str(key)


def server(app: App, settings: Settings, tls: tuple[str, str] | None = None) -> uvicorn.Server:
    import uvicorn

    from hushdesk.api.server import create

    config = uvicorn.Config(
        create(app, settings),
        log_level="warning",
        access_log=False,  # no request, prompt or answer in any log
        timeout_graceful_shutdown=5,
        proxy_headers=False,  # the client's address is the socket's, never a header's
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    return uvicorn.Server(config)


def local_settings(token: str) -> Settings:
    """On this computer only: loopback names, no CORS."""
    from hushdesk.api.server import Settings

    return Settings(token, LOOPBACK_NAMES)


class Background:
    """The API on 127.0.0.1 from a thread of this process, until ``stop()``."""

    def __init__(self, app: App, port: int, token: str) -> None:
        self.app, self.port, self.token = app, port, token
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._exits = contextlib.ExitStack()

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Serve; returns once it answers (the address), or raises ``HushdeskError``."""
        sock = listen("127.0.0.1", self.port)
        try:
            self._server = server(self.app, local_settings(self.token))
        except BaseException:
            sock.close()
            raise
        self._exits.enter_context(privacy.local_service(self.port))
        serving = self._server
        self._thread = threading.Thread(
            target=lambda: serving.run(sockets=[sock]), name="hushdesk-api", daemon=True
        )
        self._thread.start()
        self._exits.callback(sock.close)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not serving.started and self.running and time.monotonic() < deadline:
            time.sleep(0.02)
        if not serving.started:
            self.stop()
            raise HushdeskError("The local API did not start; see the log for why.")
        return self.address

    def stop(self) -> None:
        """Stop serving: requests in progress get a few seconds to end."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
        self._server = self._thread = None
        self._exits.close()
