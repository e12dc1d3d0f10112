"""The promise of the privacy issue, checked on one real run of the whole app.

A session (window offscreen, ingest with OCR of a scanned page and a recording
transcribed, a chat answered from the library, a photo sent to a model that sees, a
summary, a draft, the local API serving
a request, a library's own download attempt refused; ``whole_run.py``) puts a marker
word everywhere, under strace and — where the machine allows one — in a network
namespace of its own, with a fresh ``HOME``.
Then: no file under the data folder holds the marker, none is a plaintext SQLite
database, no stored vector is in the clear, no connection left the machine and no name
was looked up (native code included: connect, sendto, sendmsg and sendmmsg are traced,
DNS to any address counts), and nothing was written under ``HOME``. After ``hushdesk
wipe`` nothing of the user is left.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hushdesk.sqlitedb import PLAINTEXT_HEADER
from tests.integration.whole_run import MARKER, RECORDING, SPOKEN
from tests.keys import connect, vault_key
from tests.speech import speak

REPO = Path(__file__).resolve().parents[2]


# In the namespace only a loopback interface exists, and it starts down: brought up so
# the session's own API can answer on 127.0.0.1, then the traced command runs.
LOOPBACK_UP = """
import fcntl, os, socket, struct, sys
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
    fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
os.execvp(sys.argv[1], sys.argv[1:])
"""


def _isolated() -> list[str]:
    """A network namespace with no way out, when this machine lets a user make one."""
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return []
    return ["unshare", "-rn", sys.executable, "-c", LOOPBACK_UP]


def _traced(cmd: list[str], env: dict[str, str], trace: Path) -> subprocess.CompletedProcess[str]:
    # seccomp-bpf: the traced process stops only on these calls (3x faster than plain -f)
    calls = "trace=connect,sendto,sendmsg,sendmmsg"
    strace = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", calls]
    strace += ["-o", str(trace)]
    return subprocess.run(
        [*_isolated(), *strace, *cmd],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _remote(trace: Path) -> list[str]:
    pattern = r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"'
    seen = re.findall(pattern, trace.read_text())
    return [a for a in seen if not ipaddress.ip_address(a).is_loopback]


def _dns(trace: Path) -> list[str]:
    """Every packet or connection to a name server's port, loopback ones included (a
    local resolver such as systemd-resolved's 127.0.0.53 forwards the question)."""
    return re.findall(r"^.*sin6?_port=htons\(53\).*$", trace.read_text(), re.MULTILINE)


def _fresh_home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty HOME, with the XDG folders left to their defaults under it."""
    home = tmp_path / "home"
    home.mkdir()
    xdg = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
    env = {k: v for k, v in os.environ.items() if k not in xdg}
    return home, {**env, "HOME": str(home)}


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def _containing(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in _files(root):
        if "models" in path.relative_to(root).parts:
            continue  # downloaded models are not user data
        data = path.read_bytes()
        found += [f"{path.relative_to(root)}: {n[:24]!r}" for n in needles if n in data]
    return found


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_a_whole_session_leaves_nothing_readable_and_nothing_leaves_the_machine(
    cli_env: dict[str, str], hushdesk_home: Path, tmp_path: Path
) -> None:
    home, fresh = _fresh_home(tmp_path)
    env = {**fresh, **{k: v for k, v in cli_env.items() if k.startswith("HUSHDESK")}}
    env |= {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    work = tmp_path / "work"
    work.mkdir()
    speak((SPOKEN,), work / RECORDING)  # espeak-ng runs here, not in the watched session
    trace = tmp_path / "trace"
    probe = "import socket; socket.socket().connect_ex(('198.51.100.7', 9))"
    assert _traced([sys.executable, "-c", probe], env, trace).returncode == 0
    assert _remote(trace) == ["198.51.100.7"]  # the trace sees a connection (unguarded child)
    run = _traced([sys.executable, "-m", "tests.integration.whole_run", str(work)], env, trace)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "whole run done" in run.stdout
    assert _remote(trace) == []
    assert _dns(trace) == []
    assert "download refused" in run.stdout
    assert _files(home) == []  # no telemetry queue, device id or library cache
    started = re.search(r"^launched: (.*)$", run.stdout, re.MULTILINE)
    assert started is not None
    names = {Path(p).name for p in re.findall(r"'([^']*)'", started.group(1))}
    assert names <= {"nvidia-smi"}  # no other program was started (audited)

    marker = MARKER.encode()
    needles = [marker, marker.lower(), MARKER.encode("utf-16-le")]
    image = re.search(r"^image sent: ([0-9a-f]+)$", run.stdout, re.MULTILINE)
    assert image is not None, "an image was sent"
    needles.append(bytes.fromhex(image.group(1))[40:104])  # inside the PNG's pixel data
    assert _containing(hushdesk_home, needles) == []
    headers = [p for p in _files(hushdesk_home) if p.read_bytes()[:16] == PLAINTEXT_HEADER]
    assert headers == []

    store = connect(hushdesk_home / "data" / "library.sqlite", vault_key("library"))
    vectors = [bytes(row[0]) for row in store.execute("SELECT vector FROM vectors")]
    store.close()
    assert vectors, "the run stored vectors"
    assert _containing(hushdesk_home, [v[:48] for v in vectors]) == []

    wipe = _traced([sys.executable, "-m", "hushdesk", "wipe", "--yes"], env, trace)
    assert wipe.returncode == 0, wipe.stderr
    assert _remote(trace) == []
    assert _dns(trace) == []
    assert _files(home) == []
    left = sorted(str(p.relative_to(hushdesk_home)) for p in _files(hushdesk_home))
    assert all(name == "data/models.json" or name.startswith("data/models/") for name in left), left
    assert not os.path.exists(hushdesk_home / "data" / "keys.json")
