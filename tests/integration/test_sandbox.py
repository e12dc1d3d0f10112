"""The children that never need the network cannot reach it, and no process of the app
can write a core dump — enforced by the OS, so native code is held too.

A reader child tries what ONNX Runtime's telemetry did (resolve a name, connect out) and
what a library could do on a system whose names resolve through a local daemon (a Unix
socket to nscd or systemd-resolved); each real server here listens and must hear nothing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushdesk import isolate, privacy, sandbox
from tests import launcher

LINUX = sys.platform.startswith("linux")
REPO = Path(__file__).resolve().parents[2]


class Listener:
    """A TCP, a UDP (a DNS server's port) and a Unix socket server on this machine that
    count what reaches them."""

    def __init__(self, folder: Path) -> None:
        self.heard: list[str] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix_path = str(folder / "resolver.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen()
        for sock in (self.tcp, self.udp, self.unix):
            sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            for name, sock in (("tcp", self.tcp), ("unix", self.unix)):
                try:
                    sock.accept()[0].close()
                    self.heard.append(name)
                except OSError:
                    pass
            try:
                self.udp.recvfrom(512)
                self.heard.append("udp")
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    server = Listener(tmp_path)
    yield server
    server.close()


def reach_out(
    tcp_port: int, udp_port: int, unix_path: str, only: tuple[str, ...] = ()
) -> dict[str, str]:
    """Runs in a reader child: every way out that a dependency could take."""
    outcomes: dict[str, str] = {"mechanism": sandbox.applied()}

    def attempt(name: str, action: object) -> None:
        try:
            action()  # type: ignore[operator]
            outcomes[name] = "reached"
        except OSError as exc:
            outcomes[name] = f"refused: {exc.strerror or exc}"

    def tcp() -> None:
        socket.create_connection(("127.0.0.1", tcp_port), timeout=2).close()

    def udp() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", ("127.0.0.1", udp_port))

    def unix() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(unix_path)

    def resolve() -> None:
        socket.getaddrinfo("mobile.events.data.microsoft.com", 443)

    def internet() -> None:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()

    for name, action in (
        ("tcp", tcp),
        ("udp", udp),
        ("unix", unix),
        ("resolve", resolve),
        ("inet6", internet),
    ):
        if not only or name in only:
            attempt(name, action)
    return outcomes


@pytest.mark.skipif(not LINUX, reason="the Linux sandbox (macOS and Windows: README)")
def test_a_reader_child_cannot_resolve_or_connect(listener: Listener) -> None:
    outcomes = isolate.run_isolated(
        reach_out,
        listener.tcp.getsockname()[1],
        listener.udp.getsockname()[1],
        listener.unix_path,
        timeout_s=60,
    )
    assert "seccomp (no sockets)" in outcomes.pop("mechanism")
    assert all(v.startswith("refused") for v in outcomes.values()), outcomes
    assert listener.heard == []
    # The same attempts from this process (no sandbox) do reach the listeners.
    port = listener.tcp.getsockname()[1]
    with privacy.local_service(port):
        here = reach_out(port, 0, listener.unix_path, only=("tcp", "unix"))
    assert here["tcp"] == here["unix"] == "reached"


def test_the_filter_program_is_well_formed() -> None:
    for machine in ("x86_64", "aarch64"):
        for sockets in sandbox.Sockets:
            program = sandbox.filter_program(machine, sockets)
            assert program is not None
            for row, (code, jt, jf, _k) in enumerate(program):
                if code & 0x07 == 0x05:  # BPF_JMP: every jump lands inside
                    assert row + 1 + max(jt, jf) < len(program)
                else:
                    assert jt == jf == 0
            assert program[-1][3] == 0x7FFF0000  # falls through to allow
    assert sandbox.filter_program("riscv64", sandbox.Sockets.NO_SOCKETS) is None


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="the Linux sandbox (macOS and Windows: README)")
def test_the_engine_child_runs_without_internet_sockets(starter_model: Path) -> None:
    from hushdesk.engine.local import LocalEngine
    from hushdesk.engine.types import LoadSpec

    with LocalEngine() as engine:
        engine.load(LoadSpec(str(starter_model), n_ctx=256))
        assert engine.pid is not None
        status = _status(engine.pid)
        assert status["Seccomp"].strip() == "2"  # a filter is in place
        assert status["NoNewPrivs"].strip() == "1"
        if os.readlink("/proc/self/ns/user") != os.readlink(f"/proc/{engine.pid}/ns/user") or (
            os.geteuid() == 0
        ):
            assert os.readlink("/proc/self/ns/net") != os.readlink(f"/proc/{engine.pid}/ns/net")
    # The engine's filter, tried in a process of its own: no socket at all by default,
    # Unix sockets only when asked for (NVIDIA's MPS), never an internet socket.
    probe = (
        "import socket, sys; from hushdesk import sandbox; "
        "print(sandbox.no_network(sandbox.engine_sockets()))\n"
        "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):\n"
        " try:\n  socket.socket(family).close(); print(family.name, 'opened')\n"
        " except OSError: print(family.name, 'refused')"
    )
    for asked, unix in (("", "refused"), ("1", "opened")):
        env = {**os.environ, sandbox.ENGINE_LOCAL_SOCKETS_ENV: asked}
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
        ).stdout.splitlines()
        assert out[1:] == ["AF_INET refused", "AF_INET6 refused", f"AF_UNIX {unix}"], out


CORE_PROBE = """
import os, sys
from pathlib import Path
from hushdesk import isolate, privacy
privacy.apply()

def limits(pid):
    line = [l for l in Path(f"/proc/{pid}/limits").read_text().splitlines()
            if l.startswith("Max core file size")][0]
    return line.split()[4:6]

def child():
    import ctypes
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
    return limits("self"), dumpable

if __name__ == "__main__":
    from hushdesk.engine.local import LocalEngine
    from hushdesk.engine.types import LoadSpec
    print("app", limits("self"), flush=True)
    print("reader", *isolate.run_isolated(child, timeout_s=60), flush=True)
    with LocalEngine() as engine:
        engine.load(LoadSpec(sys.argv[1], n_ctx=256))
        print("engine", limits(engine.pid), flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="/proc/PID/limits")
def test_no_process_of_the_app_can_write_a_core_dump(starter_model: Path, tmp_path: Path) -> None:
    script = tmp_path / "core_probe.py"
    script.write_text(CORE_PROBE, encoding="utf-8")
    # As a user's shell would start it: from a process that still has its core limit.
    shell = 'ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"; ulimit -c; exec "$@"'
    run = launcher.run(
        ["bash", "-c", shell, "bash", sys.executable, str(script), str(starter_model)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "desktop"), str(REPO)])},
        cwd=str(REPO),
        timeout=300,
    )
    assert run["returncode"] == 0, run["stderr"][-2000:]
    started_with, *output = run["stdout"].splitlines()
    assert started_with != "0"  # the shell allowed core dumps: the app took that away
    lines = {line.split()[0]: line for line in output}
    assert set(lines) == {"app", "reader", "engine"}
    for line in lines.values():
        assert "['0', '0']" in line, line  # soft and hard limit 0
    assert lines["reader"].endswith(" 0")  # PR_GET_DUMPABLE: not dumpable


@pytest.mark.skipif(not LINUX, reason="the Linux sandbox")
def test_what_the_settings_page_says_is_what_a_child_runs_under() -> None:
    mechanism, refused = isolate.run_isolated(sandbox.probe, timeout_s=60)
    assert sandbox.enforced_here() == refused
    assert "seccomp (no sockets)" in mechanism
    assert sandbox.core_dumps_off()  # this process ran privacy.apply
