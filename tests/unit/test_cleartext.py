"""No silent cleartext: plain http:// to another computer is refused before anything is
sent (a connection, a shared library), unless the user allows it explicitly, and then it
is badged; a secret's file others can read is refused."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hushdesk import privacy
from hushdesk.app import App
from hushdesk.cli import main
from hushdesk.endpoints import UnencryptedRefused, is_unencrypted, require_encrypted
from hushdesk.engine.server import Remote, RemoteModel
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import require_private_file
from tests.fakes import FakeEngine

# Every socket event of this process while ``_recording`` is on: the proof that a
# refused address was never looked up or connected to (audit hooks cannot be removed,
# so one hook, switched by the tests).
_recording: list[bool] = []
_events: list[tuple[str, Any]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event in ("socket.connect", "socket.getaddrinfo"):
        _events.append((event, args[1] if event == "socket.connect" else args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def sockets() -> Iterator[list[tuple[str, Any]]]:
    _events.clear()
    _recording.append(True)
    try:
        yield _events
    finally:
        _recording.clear()


def test_the_rule_plain_http_elsewhere_is_unencrypted_loopback_is_not() -> None:
    assert is_unencrypted("http://192.0.2.55:8000/v1")
    assert is_unencrypted("HTTP://gpu.firm.internal/v1")
    assert is_unencrypted("http://0.0.0.0:8000")  # not a loopback address
    assert is_unencrypted("http://127.0.0.1.nip.io:8000")
    assert not is_unencrypted("https://192.0.2.55:8000/v1")
    for local in ("http://127.0.0.1:8000/v1", "http://localhost:1234", "http://[::1]:80",
                  "http://127.8.9.10/v1"):  # fmt: skip
        assert not is_unencrypted(local), local
    require_encrypted("http://192.0.2.55/v1", allow_unencrypted=True)  # explicitly allowed
    with pytest.raises(UnencryptedRefused) as refused:
        require_encrypted("http://192.0.2.55/v1", allow_unencrypted=False)
    message = refused.value.message
    assert "unencrypted" in message
    assert "token" in message
    assert "passages" in message
    assert "https://" in message
    assert "--allow-unencrypted" in message


def test_connect_add_refuses_plain_http_before_any_connection_is_tried(
    sockets: list[tuple[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["connect", "add", "x", "http://192.0.2.55:8000/v1"])
    said = capsys.readouterr()
    assert code != 0
    assert "unencrypted" in said.err
    assert "--allow-unencrypted" in said.err
    assert not [e for e in sockets if "192.0.2.55" in str(e[1])]  # not even looked up
    assert privacy.blocked_attempts() == []
    assert main(["connect", "list", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # nothing kept


def test_a_shared_library_on_plain_http_is_refused_before_any_connection(
    sockets: list[tuple[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["libraries", "add", "Lease", "--server", "http://192.0.2.55:8000"])
    assert code != 0
    assert "--allow-unencrypted" in capsys.readouterr().err
    assert not [e for e in sockets if "192.0.2.55" in str(e[1])]
    assert privacy.blocked_attempts() == []


@pytest.fixture
def app() -> Iterator[App]:
    made = App(engine=FakeEngine("hi"))
    yield made
    made.close()


def test_allowed_explicitly_it_is_kept_with_the_connection_and_badged(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = [RemoteModel("m", 4096, True)]
    monkeypatch.setattr(Remote, "models", lambda _self: listed)
    url = "http://192.0.2.55:8000/v1"
    with pytest.raises(UnencryptedRefused):
        app.connections.add("team", url)
    assert app.connections.all() == []
    app.connections.add("team", url, allow_unencrypted=True)
    kept = app.connections.get("team")
    assert kept.unencrypted
    assert app.settings.connections["team"].allow_unencrypted
    app.connections.add("local", "http://127.0.0.1:8000/v1")  # loopback: never refused
    assert not app.connections.get("local").unencrypted


def test_a_token_file_others_can_read_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "token"
    secret.write_text("s" * 32)
    secret.chmod(0o600)
    require_private_file(secret, "token file")
    secret.chmod(0o644)
    with pytest.raises(HushdeskError) as refused:
        require_private_file(secret, "token file")
    assert "chmod 600" in refused.value.message
    code = main(["connect", "add", "x", "https://127.0.0.1:9/v1", "--token-file", str(secret)])
    assert code != 0
    assert "chmod 600" in capsys.readouterr().err  # refused before the server is asked


def test_a_connection_saved_before_the_rule_is_held_to_it_when_used(
    sockets: list[tuple[str, Any]],
) -> None:
    from hushdesk.settings import ConnectionSettings

    app = App(engine=FakeEngine())
    try:
        app.settings.connections["old"] = ConnectionSettings(url="http://192.0.2.55:8000/v1")
        with pytest.raises(UnencryptedRefused):
            app.runtime.remote("old")
        assert sockets == []
    finally:
        app.close()


def test_a_percent_sign_makes_no_name_loopback() -> None:
    from hushdesk.api.hosts import is_loopback_address
    from hushdesk.endpoints import is_loopback_host

    for url in ("http://127.0.0.1%2509.evil.example/v1", "http://localhost%2eevil.example/"):
        assert is_unencrypted(url), url  # a name a resolver would look up
    assert not is_loopback_host("127.0.0.1%09.evil.example")
    assert is_loopback_host("fe80::1%eth0") is False  # a zone, on a link-local address
    assert is_loopback_host("::1%lo")
    assert is_loopback_address("::ffff:127.0.0.1")  # an IPv4 client of a server on "::"
    assert not privacy._permitted("127.0.0.1%09.evil.example")


def test_a_library_shared_before_the_rule_is_held_to_it_when_synced(
    sockets: list[tuple[str, Any]],
) -> None:
    from hushdesk.settings import SharedLibrarySettings

    app = App(engine=FakeEngine())
    try:
        app.settings.shared["old"] = SharedLibrarySettings(url="http://192.0.2.55:8000")
        with pytest.raises(UnencryptedRefused):
            app.shared._share("old")
        assert sockets == []
    finally:
        app.close()
