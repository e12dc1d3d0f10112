"""Real servers on 127.0.0.1 for the tests: a process started on a free port, waited
for until it answers, and stopped (its pipes closed) afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from hushdesk import privacy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    command: Sequence[str],
    url: str,
    *,
    env: dict[str, str] | None = None,
    timeout_s: float = 120.0,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """``command`` running until the block ends, once ``url`` answers (any status). Its
    output goes to a file (a chatty server would fill a pipe and stall): ``log``, to be
    read afterwards, or a temporary one."""
    address = httpx.URL(url)
    with log.open("w+") if log is not None else tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(list(command), env=env, stdout=output, stderr=output, text=True)
        try:
            deadline = time.monotonic() + timeout_s
            while not _answers(address):
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise AssertionError(f"{url} did not answer: {output.read()[-2000:]}")
                time.sleep(0.2)
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=30)


def _answers(url: httpx.URL) -> bool:
    try:
        with privacy.reach(url.host, url.port or 80):
            httpx.get(url, timeout=1, verify=False)  # only: is it up (a test CA's server too)
    except httpx.TransportError:
        return False
    return True


def llama_server(
    model: str, port: int, *, api_key: str, alias: str = "smollm", tls: Path | None = None
) -> list[str]:
    """llama-cpp-python's own OpenAI-compatible server (its ``[server]`` extra); with
    ``tls``, over HTTPS with the certificate and key ``certificate_authority`` wrote."""
    command = [sys.executable, "-m", "llama_cpp.server", "--model", model, "--model_alias", alias,
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
               "--api_key", api_key]  # fmt: skip
    if tls is not None:
        command += [
            "--ssl_certfile",
            str(tls / "server.pem"),
            "--ssl_keyfile",
            str(tls / "key.pem"),
        ]
    return command


def certificate_authority(folder: Path) -> Path:
    """A firm's own certificate authority (``ca.pem``) and a server certificate it signed
    for 127.0.0.1 (``server.pem``, ``key.pem``) in ``folder``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def certificate(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name | None,
        signer: ec.EllipticCurvePrivateKey,
        *,
        ca: bool,
    ) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
            builder = builder.add_extension(x509.SubjectAlternativeName([address]), False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = certificate("Firm CA", ca_key, None, ca_key, ca=True)
    server = certificate("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(server.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return folder
