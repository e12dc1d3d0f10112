"""One window per data folder: a second launch asks the first to show itself, then exits.

The two meet on a local socket that only this account can create or reach. Qt puts a
plain name in the shared temporary folder (``/tmp/hushdesk-…``), where another account
could create it first: every launch would then "find" a running Hushdesk and exit.
So on Unix the socket lives in a folder that is this user's alone — ``$XDG_RUNTIME_DIR``
when it is private, else ``/tmp/hushdesk-UID`` made 0700 and checked — and on Linux
each side checks that the other end is the same user (``SO_PEERCRED``). On Windows the
pipe's ACL is limited to this user (``UserAccessOption``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import stat
import struct
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from hushdesk import paths

log = logging.getLogger("hushdesk.ui")

SOCKET_PATH_MAX = 100  # sun_path holds 104 (macOS) or 108 (Linux) bytes


def is_private_folder(folder: Path) -> bool:
    """A real folder (not a link) owned by this user that nobody else can enter."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def private_folder() -> Path | None:
    """Where this user's socket goes, or ``None`` when no private folder is to be had
    (someone else made ``/tmp/hushdesk-UID``: then there is no single-instance check)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and is_private_folder(Path(runtime)):
        return Path(runtime)
    folder = Path(tempfile.gettempdir()) / f"hushdesk-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        log.warning("single-instance folder %s: %s", folder, exc.strerror)
        return None
    if not is_private_folder(folder):
        log.warning("single-instance folder %s is not this user's alone; not used", folder)
        return None
    return folder


def server_name(key: str) -> str | None:
    """The socket's full path (Unix) or the pipe's name (Windows)."""
    if os.name == "nt":
        return f"hushdesk-{key}"
    folder = private_folder()
    if folder is None:
        return None
    path = folder / f"hushdesk-{key}.sock"
    return str(path) if len(os.fsencode(path)) < SOCKET_PATH_MAX else None


def same_user(descriptor: int) -> bool:
    """Whether the peer of the connected local socket ``descriptor`` is this user
    (Linux; elsewhere the private folder is the check)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None or descriptor < 0:
        return option is None
    with socket.socket(fileno=os.dup(descriptor)) as peer:
        raw = peer.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return bool(uid == os.getuid())


class SingleInstance(QObject):
    """A second launch asks the first to show its window (or, ``hushdesk quick`` and
    ``hushdesk selection``, Quick ask or the actions on selected text), then exits."""

    raiseRequested = Signal()
    showRequested = Signal(str)  # "quick" or "selection"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        key = hashlib.sha256(f"{paths.data_dir()}".encode()).hexdigest()[:16]
        self.name = server_name(key)
        self._server: QLocalServer | None = None
        self.show_at_start = ""  # started by `hushdesk quick` or `selection`: show that

    def already_running(self, message: bytes = b"raise") -> bool:
        if self.name is None:
            return False
        client = QLocalSocket()
        client.connectToServer(self.name)
        if client.waitForConnected(300):
            if not same_user(int(client.socketDescriptor())):
                client.abort()
                log.warning("single-instance socket held by another user; ignored")
                return False
            client.write(message + b"\n")
            client.flush()
            client.waitForBytesWritten(300)
            client.disconnectFromServer()
            return True
        QLocalServer.removeServer(self.name)  # a stale socket from a crashed run
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        if not self._server.listen(self.name):
            log.warning("single-instance server: %s", self._server.errorString())
        return False

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _on_connection(self) -> None:
        if self._server is None:
            return
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            if not same_user(int(connection.socketDescriptor())):
                connection.abort()
                connection.deleteLater()
                continue
            connection.readyRead.connect(self._asked)  # a method: it ends with this object
            connection.disconnected.connect(connection.deleteLater)

    def _asked(self) -> None:
        connection = self.sender()
        if not isinstance(connection, QLocalSocket):
            return
        said = bytes(connection.readAll().data()).strip()
        if said in (b"quick", b"selection"):
            self.showRequested.emit(said.decode())
        else:
            self.raiseRequested.emit()
