"""``hushdesk serve`` as started on the command line, about who can reach it: every
interface ("", 0.0.0.0, ::) needs a token file and TLS (or an explicit
--allow-unencrypted), HTTPS with the user's certificate, the token never printed into a
pipe, a token file others can read refused. Only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import socket
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from hushdesk import privacy
from hushdesk.app import App
from tests.servers import certificate_authority, free_port, serving


def _serve(cmd: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A ``serve`` that must refuse: it ends by itself (a server would run on)."""
    return subprocess.run(
        [*cmd, "serve", "--port", str(free_port()), *args],
        env=env, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip


def _ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize("host", ["", "0.0.0.0", "::"])
def test_every_interface_needs_a_token_file(
    host: str, cli_env: dict[str, str], hushdesk_cmd: list[str]
) -> None:
    if host == "::" and not _ipv6():
        pytest.skip("no IPv6 here")
    done = _serve(hushdesk_cmd, cli_env, "--host", host)
    assert done.returncode != 0
    assert "--token-file" in done.stderr
    assert "Refused" in done.stderr


def test_on_the_network_without_tls_it_must_be_asked_for(
    cli_env: dict[str, str], hushdesk_cmd: list[str], tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    done = _serve(hushdesk_cmd, cli_env, "--host", "", "--token-file", str(token_file))
    assert done.returncode != 0
    assert "--tls-cert" in done.stderr
    assert "--allow-unencrypted" in done.stderr
    port = free_port()
    command = [*hushdesk_cmd, "serve", "--host", "0.0.0.0", "--port", str(port),
               "--token-file", str(token_file), "--allow-unencrypted"]  # fmt: skip
    log = tmp_path / "serve.log"
    with serving(command, f"http://127.0.0.1:{port}/v1/models", env=cli_env, log=log):
        token = token_file.read_text().strip()
        with privacy.local_service(port):
            reply = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert reply.status_code == 200  # this computer's own client, by its loopback name
    assert "unencrypted" in log.read_text()


def test_https_with_the_users_certificate(
    cli_env: dict[str, str], hushdesk_cmd: list[str], tmp_path: Path
) -> None:
    tls = certificate_authority(tmp_path)
    port, token_file = free_port(), tmp_path / "token"
    cert, key = str(tls / "server.pem"), str(tls / "key.pem")
    command = [*hushdesk_cmd, "serve", "--port", str(port), "--token-file", str(token_file),
               "--tls-cert", cert, "--tls-key", key]  # fmt: skip
    trusted = ssl.create_default_context(cafile=str(tls / "ca.pem"))
    base = f"https://127.0.0.1:{port}"
    with serving(command, f"{base}/v1/models", env=cli_env, log=tmp_path / "serve.log"):
        token = token_file.read_text().strip()
        with privacy.local_service(port):
            reply = httpx.get(f"{base}/v1/models", verify=trusted, timeout=10,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            with pytest.raises(httpx.TransportError):  # TLS only: no plain HTTP on the port
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5)
    assert reply.status_code == 200
    assert reply.json()["object"] == "list"
    assert f"https://127.0.0.1:{port}/v1" in (tmp_path / "serve.log").read_text()
    half = _serve(hushdesk_cmd, cli_env, "--tls-cert", str(tls / "server.pem"))
    assert half.returncode != 0
    assert "--tls-key" in half.stderr


def test_the_token_is_not_printed_into_a_pipe(
    cli_env: dict[str, str], hushdesk_cmd: list[str], tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    command = [*hushdesk_cmd, "serve", "--port", str(port)]
    with serving(command, f"http://127.0.0.1:{port}/v1/models", env=cli_env, log=log):
        pass
    said = log.read_text()
    app = App()
    try:
        token = app.preferences.api_token()
    finally:
        app.close()
    assert token not in said
    assert "--token-file" in said  # how a script gets one instead


def test_a_token_file_others_can_read_is_refused(
    cli_env: dict[str, str], hushdesk_cmd: list[str], tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("x" * 40 + "\n")
    token_file.chmod(0o644)
    done = _serve(hushdesk_cmd, cli_env, "--token-file", str(token_file))
    assert done.returncode != 0
    assert "chmod 600" in done.stderr
