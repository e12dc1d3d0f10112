"""What the operating system enforces, whatever a dependency does: no core dumps in any
process, and no network in the children that never need it.

The Python guard (``privacy``) sees only Python code. ONNX Runtime's telemetry is native
code: it resolved Microsoft's collector from the document-reader child. So the children
that read documents, run OCR, check templates, inspect model files and run the local
model lose the network at the OS level before they run anything else:

- **Linux**: a network namespace of their own (``unshare(CLONE_NEWUSER | CLONE_NEWNET)``,
  or ``CLONE_NEWNET`` alone as root) — only a loopback interface that is down — where the
  kernel allows one, and always a seccomp filter. The filter refuses ``socket()`` outright
  in the readers (``NO_SOCKETS``: no internet socket and no Unix socket either, so no name
  lookup through nscd or systemd-resolved) — the engine child too, which the GPU's driver
  does not need sockets in; ``LOCAL_SOCKETS_ONLY`` (every family but ``AF_UNIX``) only
  where the user asks for it (``HUSHDESK_ENGINE_LOCAL_SOCKETS=1``: NVIDIA's MPS daemon is
  reached through a Unix socket). The parent makes NVIDIA's device nodes first
  (``engine.offload.prepare_devices``): the child's "no new privileges" keeps CUDA's
  setuid helper from doing it there. ``io_uring`` is
  refused too (its socket operations would pass the filter), and so is every call made
  through another architecture's system-call table.
- **macOS**: ``sandbox_init`` with the system's "no-network" profile.
- **Windows**: nothing per process short of an AppContainer; the Python guard and the
  environment switches are what remain (README, Privacy).

Written by hand, with ctypes: libseccomp's Python binding is not on PyPI for every
platform we ship, and the filter is eight instructions.

No core dumps (``no_core_dumps``, called by ``privacy.apply`` in every process): a crash
of the engine wrote a core file holding the question and the passages in the clear.
``RLIMIT_CORE`` 0 and ``PR_SET_DUMPABLE`` 0 on Linux (the latter also keeps other
processes of the same user from reading this one's memory), ``RLIMIT_CORE`` 0 and
``PT_DENY_ATTACH`` on macOS, Windows Error Reporting told to leave this program alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import enum
import functools
import logging
import os
import platform
import struct
import sys
from pathlib import Path

log = logging.getLogger("hushdesk.sandbox")


class Sockets(enum.Enum):
    NO_SOCKETS = "no sockets"
    LOCAL_SOCKETS_ONLY = "local sockets only"


ENGINE_LOCAL_SOCKETS_ENV = "HUSHDESK_ENGINE_LOCAL_SOCKETS"
_applied: list[str] = []  # what this process runs under, for doctor and the tests


def applied() -> str:
    """The mechanisms cutting this process off the network, or "none"."""
    return " + ".join(_applied) or "none"


# ---------------------------------------------------------------- core dumps


def no_core_dumps() -> None:
    """This process (and what it starts) writes no core dump. Idempotent, never fails."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        _prctl(4, 0)  # PR_SET_DUMPABLE 0: no core, no /proc/PID/mem for others
    elif sys.platform == "darwin":  # pragma: no cover (macOS)
        libc = _libc()
        if libc is not None:
            libc.ptrace(31, 0, None, 0)  # PT_DENY_ATTACH
    elif os.name == "nt":  # pragma: no cover (Windows)
        _windows_no_reports()


def _windows_no_reports() -> None:  # pragma: no cover (Windows)
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    # SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX
    kernel32.SetErrorMode(0x0001 | 0x0002 | 0x8000)
    with contextlib.suppress(OSError, AttributeError):
        kernel32.WerSetFlags(0x1)  # WER_FAULT_REPORTING_FLAG_NOHEAP: no memory in a report
    if getattr(sys, "frozen", False):  # the installed app; never python.exe as a whole
        with contextlib.suppress(OSError, AttributeError):
            wer = ctypes.WinDLL("wer")  # type: ignore[attr-defined]
            wer.WerAddExcludedApplication(ctypes.c_wchar_p(sys.executable), False)


# ---------------------------------------------------------------- no network


def enforced_here() -> bool:
    """Whether this system takes the network from the children (what the settings page
    says; ``hushdesk doctor`` asks a real child)."""
    if sys.platform == "darwin":  # pragma: no cover (macOS)
        return True
    linux = sys.platform.startswith("linux")
    return linux and sys.maxsize > 2**32 and platform.machine().lower() in _ARCHES


def core_dumps_off() -> bool:
    """Whether this process can write no core dump (its limit is 0)."""
    try:
        import resource
    except ImportError:  # Windows: Error Reporting is told to keep no memory
        return True
    return resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)


def engine_sockets() -> Sockets:
    """What the local model's child may open: nothing, unless the user asked for Unix
    sockets (a GPU shared through NVIDIA's MPS daemon)."""
    if os.environ.get(ENGINE_LOCAL_SOCKETS_ENV) == "1":
        return Sockets.LOCAL_SOCKETS_ONLY
    return Sockets.NO_SOCKETS


def no_network(sockets: Sockets = Sockets.NO_SOCKETS) -> str:
    """Cut this process off the network for good, as far as the OS allows. Call first in
    a child, while it is single-threaded (a user namespace needs that). Returns what was
    applied ("none" where nothing could be)."""
    if sys.platform.startswith("linux"):
        namespace = _own_network_namespace()
        if namespace:
            _applied.append(namespace)
        if _seccomp(sockets):
            _applied.append(f"seccomp ({sockets.value})")
    elif sys.platform == "darwin":  # pragma: no cover (macOS)
        if _macos_no_network():
            _applied.append("macOS sandbox (no-network)")
    if not _applied:
        log.debug("this system offers no way to take the network from a child process")
    return applied()


def probe() -> tuple[str, bool]:
    """In a child: what it runs under, and whether an internet socket is refused."""
    import socket

    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except OSError:
        return applied(), True
    return applied(), False


CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _own_network_namespace() -> str | None:
    libc = _libc()
    if libc is None:
        return None
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        # The same user inside as outside (files it creates stay ours; no privilege).
        with contextlib.suppress(OSError):
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        return "network namespace"
    if libc.unshare(CLONE_NEWNET) == 0:  # root without user namespaces
        return "network namespace"
    log.debug("no network namespace: errno %d", ctypes.get_errno())
    return None


def _write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="ascii")


# seccomp-bpf: the system call's number is at offset 0 of seccomp_data, the architecture
# at 4, the first argument's low 32 bits at 16 (little-endian machines).
_ARCHES = {  # machine: (AUDIT_ARCH_*, socket's number)
    "x86_64": (0xC000003E, 41),
    "amd64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
    "arm64": (0xC00000B7, 198),
}
_IO_URING_SETUP = 425
_X32_BIT = 0x40000000
_AF_UNIX = 1
_EACCES = 13
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET = 0x06  # BPF_RET | BPF_K


def filter_program(machine: str, sockets: Sockets) -> list[tuple[int, int, int, int]] | None:
    """The seccomp program as (code, jt, jf, k) rows; None on an architecture we have no
    numbers for. Jumps count rows from the next one."""
    numbers = _ARCHES.get(machine.lower())
    if numbers is None:
        return None
    arch, socket_nr = numbers
    deny = _RET_ERRNO | _EACCES
    program = [
        (_LD_ABS, 0, 0, 4),
        (_JEQ, 1, 0, arch),  # another ABI's table (i386 on x86_64): refused
        (_RET, 0, 0, deny),
        (_LD_ABS, 0, 0, 0),
        (_JGE, 0, 1, _X32_BIT),  # x32 numbers
        (_RET, 0, 0, deny),
        (_JEQ, 0, 1, _IO_URING_SETUP),
        (_RET, 0, 0, deny),
    ]
    if sockets is Sockets.NO_SOCKETS:
        program += [(_JEQ, 0, 1, socket_nr), (_RET, 0, 0, deny)]
    else:
        program += [
            (_JEQ, 0, 3, socket_nr),
            (_LD_ABS, 0, 0, 16),  # the family
            (_JEQ, 1, 0, _AF_UNIX),
            (_RET, 0, 0, deny),
        ]
    return [*program, (_RET, 0, 0, _RET_ALLOW)]


def _seccomp(sockets: Sockets) -> bool:
    # The process's own ABI: a 32-bit Python on a 64-bit kernel would have every call
    # refused by a filter for the kernel's.
    program = filter_program(platform.machine(), sockets) if sys.maxsize > 2**32 else None
    libc = _libc()
    if program is None or libc is None or sys.byteorder != "little":
        return False
    rows = b"".join(struct.pack("=HBBI", *row) for row in program)
    buffer = ctypes.create_string_buffer(rows, len(rows))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    if _prctl(38, 1) != 0:  # PR_SET_NO_NEW_PRIVS: required to filter without privilege
        return False
    # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    ok = bool(libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0)
    if not ok:
        log.debug("seccomp refused: errno %d", ctypes.get_errno())
    return ok


def _macos_no_network() -> bool:  # pragma: no cover (macOS)
    try:
        lib = ctypes.CDLL("/usr/lib/libSystem.dylib")
        error = ctypes.c_char_p()
        # kSBXProfileNoNetwork, SANDBOX_NAMED
        return bool(lib.sandbox_init(b"no-network", 1, ctypes.byref(error)) == 0)
    except (OSError, AttributeError):
        return False


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def _prctl(option: int, value: int) -> int:
    libc = _libc()
    if libc is None:
        return -1
    return int(libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0))
