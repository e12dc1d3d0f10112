"""The single-instance socket cannot be squatted: it lives in a folder that is this
user's alone, not under a guessable name in the shared temporary folder, and each end
checks that the other is the same user (Linux)."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer
from pytestqt.qtbot import QtBot

from hushdesk import paths
from hushdesk.ui import single_instance
from hushdesk.ui.single_instance import SingleInstance, is_private_folder, same_user

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Unix sockets")


def test_a_socket_squatted_under_the_old_shared_name_does_not_stop_a_launch(
    qtbot: QtBot,
) -> None:
    key = hashlib.sha256(f"{paths.data_dir()}".encode()).hexdigest()[:16]
    squatter = QLocalServer()
    squatter.setSocketOptions(QLocalServer.SocketOption.WorldAccessOption)
    assert squatter.listen(f"hushdesk-{key}")  # what another account could make first
    try:
        first = SingleInstance()
        assert first.name is not None
        assert first.name != squatter.fullServerName()
        assert is_private_folder(Path(first.name).parent)
        assert not first.already_running()  # the squatter is not taken for Hushdesk
        with qtbot.waitSignal(first.raiseRequested, timeout=5000):
            assert SingleInstance().already_running()
        first.close()
    finally:
        squatter.close()


def test_the_folder_must_be_this_users_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"hushdesk-{os.getuid()}"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)  # made by someone else, or left open
    assert single_instance.private_folder() is None
    assert single_instance.server_name("abc") is None  # then no check, not a shared socket
    shared.rmdir()
    folder = single_instance.private_folder()
    assert folder == shared
    assert folder.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"), reason="Linux peer credentials")
def test_the_peer_is_checked_to_be_this_user() -> None:
    left, right = socket.socketpair()
    with left, right:
        assert same_user(left.fileno())
