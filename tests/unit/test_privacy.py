from __future__ import annotations

import os
import socket
import threading

import pytest

from hushdesk import privacy
from hushdesk.errors import NetworkBlocked


def test_offline_environment_is_set() -> None:
    for key, value in privacy.OFFLINE_ENV.items():
        assert os.environ[key] == value
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"


@pytest.mark.parametrize(
    "address", [("198.51.100.7", 80), ("2001:db8::1", 443)], ids=["ipv4", "ipv6"]
)
def test_guard_refuses_outside_connections(address: tuple[str, int]) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlocked):
        sock.connect(address)
    assert privacy.blocked_attempts() == [f"{address[0]}:{address[1]}"]
    privacy.clear_blocked_attempts()


def test_guard_refuses_name_lookups_and_udp() -> None:
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NetworkBlocked):
        sock.sendto(b"x", ("198.51.100.7", 53))
    assert len(privacy.blocked_attempts()) == 2
    privacy.clear_blocked_attempts()


def test_blocked_is_a_connection_error_for_libraries() -> None:
    assert issubclass(NetworkBlocked, ConnectionError)


def test_loopback_only_to_hushdesk_services() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = server.getsockname()
        with pytest.raises(NetworkBlocked):  # another program on this computer (a proxy…)
            socket.create_connection(address, timeout=2)
        assert privacy.blocked_attempts() == [f"127.0.0.1:{address[1]}"]
        privacy.clear_blocked_attempts()
        with privacy.local_service(address[1]), socket.create_connection(address, timeout=2):
            pass
    socket.getaddrinfo("localhost", 80)


def test_telemetry_settings_are_cleared_and_proxies_not_discovered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import urllib.request

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example")
    monkeypatch.setenv("CHROMA_OTEL_COLLECTION_ENDPOINT", "https://collector.example")
    monkeypatch.setenv("NO_PROXY", "intranet.example")
    monkeypatch.setattr(privacy, "_original_proxies", {})
    privacy.apply()
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in os.environ
    assert "CHROMA_OTEL_COLLECTION_ENDPOINT" not in os.environ
    assert os.environ["OTEL_SDK_DISABLED"] == "true"
    assert urllib.request.getproxies() == {"no": "*"}  # no registry or system settings read
    assert privacy.proxies() == {"NO_PROXY": "intranet.example"}  # kept for downloads


def test_programs_started_are_recorded() -> None:
    import subprocess
    import sys

    before = len(privacy.launched())
    subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=60)
    assert privacy.launched()[before:] == [sys.executable]


def test_allow_network_is_scoped_to_its_thread() -> None:
    seen: list[str] = []

    def other_thread() -> None:
        try:
            socket.getaddrinfo("example.org", 443)
        except NetworkBlocked:
            seen.append("blocked")

    with privacy.allow_network():
        assert privacy._permitted("example.org")
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == ["blocked"]
    assert not privacy._permitted("example.org")
    privacy.clear_blocked_attempts()


def test_a_server_the_user_added_is_reached_and_nothing_else() -> None:
    """``reach``: that host and port, from this thread, while the request runs."""
    with socket.socket() as added, socket.socket() as other:
        for server in (added, other):
            server.bind(("127.0.0.1", 0))
            server.listen()
        ours, theirs = added.getsockname(), other.getsockname()
        refused: list[str] = []

        def from_another_thread() -> None:
            try:
                socket.create_connection(ours, timeout=2).close()
            except NetworkBlocked:
                refused.append("other thread")

        with privacy.reach("127.0.0.1", ours[1]):
            socket.create_connection(ours, timeout=2).close()
            with pytest.raises(NetworkBlocked):  # another port of the same host
                socket.create_connection(theirs, timeout=2)
            with pytest.raises(NetworkBlocked):  # another host
                socket.getaddrinfo("example.org", 443)
            worker = threading.Thread(target=from_another_thread)
            worker.start()
            worker.join()
        assert refused == ["other thread"]
        with pytest.raises(NetworkBlocked):  # and nothing once the request is over
            socket.create_connection(ours, timeout=2)
    privacy.clear_blocked_attempts()


def test_self_test_is_silent() -> None:
    assert privacy.self_test()
    assert privacy.blocked_attempts() == []


def test_bytes_hosts_and_reverse_lookups_are_refused() -> None:
    for host in (b"198.51.100.7", bytearray(b"198.51.100.7")):
        with socket.socket() as sock, pytest.raises(NetworkBlocked):
            sock.connect((host, 9))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NetworkBlocked):
        sock.sendto(b"x", (b"198.51.100.7", 53))
    with pytest.raises(NetworkBlocked):
        socket.getnameinfo(("198.51.100.7", 80), 0)
    assert len(privacy.blocked_attempts()) == 4
    privacy.clear_blocked_attempts()


def test_proxy_variables_are_set_aside_for_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setattr(privacy, "_original_proxies", {})
    privacy.apply()
    assert "HTTPS_PROXY" not in os.environ
    assert privacy.proxies() == {"HTTPS_PROXY": "http://127.0.0.1:3128"}
