"""Run untrusted work (parsing a model header, a PDF …) in a child process.

A native crash, a hang or a memory blow-up then fails that one call with a clear
error instead of taking the app down.

Children are forked from a fork server where the system has one (Linux, macOS): a
clean single-threaded process, started once, that has already imported what children
need (``preload``), so a PDF reader starts without importing its libraries again
(figures: docs/ARCHITECTURE.md, Choices; bench/ingest.py shows the effect on
indexing). Elsewhere (Windows) they are spawned. Either way a child gets the parent's
environment as it is at the call, never the app's threads or memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hushdesk import errors, sandbox
from hushdesk.jobs import CancelToken

log = logging.getLogger("hushdesk.isolate")

T = TypeVar("T")

_ctx = (
    multiprocessing.get_context("forkserver")
    if "forkserver" in multiprocessing.get_all_start_methods()
    else multiprocessing.get_context("spawn")
)
_preload = ["hushdesk.isolate", "hushdesk.privacy", "hushdesk.logs", "hushdesk.sandbox"]


def preload(*modules: str) -> None:
    """Have children start with ``modules`` imported (where they are forked from a fork
    server). Call at import time: the server starts with the first child."""
    _preload.extend(m for m in modules if m not in _preload)
    if _ctx.get_start_method() == "forkserver":
        _ctx.set_forkserver_preload(_preload)


preload()


class IsolatedFailure(errors.HushdeskError):
    """The child died, hung or raised something that is not a ``HushdeskError``."""


def child_setup(
    memory_limit_bytes: int | None = None,
    nice: int = 0,
    sockets: sandbox.Sockets = sandbox.Sockets.NO_SOCKETS,
) -> None:
    """First thing in every child: no network at the OS level (while the child is still
    single-threaded and dumpable, which a user namespace needs), offline mode, no core
    dumps, no Ctrl-C (the parent decides), limits."""
    from hushdesk import logs, privacy

    sandbox.no_network(sockets)
    privacy.apply()
    logs.setup(console_level=None, process="children")  # the app rotates its own file
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)  # background work yields the CPU to the chat
    if memory_limit_bytes:
        limit_memory(memory_limit_bytes)


def limit_memory(limit: int) -> bool:
    """Cap this process's memory: address space on Linux (RLIMIT_AS), committed memory
    on Windows (a Job Object). macOS enforces neither, so there the time limit and the
    OS's own pressure handling are what remain. True when a cap is in place."""
    try:
        if os.name == "nt":  # pragma: no cover (Windows)
            return _job_object_limit(limit)
        if sys.platform == "darwin":  # pragma: no cover (macOS: RLIMIT_AS is not enforced)
            return False
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return True
    except (ImportError, ValueError, OSError, AttributeError):
        log.debug("could not set a memory limit in the child")
        return False


class _BasicLimits(ctypes.Structure):
    """JOBOBJECT_BASIC_LIMIT_INFORMATION, with fixed-width fields (a DWORD is 32 bits on
    Windows, whatever ``c_ulong`` is where a test builds it): 64 bytes on x64."""

    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _ExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION: 144 bytes on x64."""

    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", ctypes.c_ulonglong * 6),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x100
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9


def _job_object_limit(limit: int) -> bool:
    """This process in a Job Object of its own whose commit limit is ``limit`` (tested on
    a stand-in for kernel32: tests/unit/test_windows_paths.py)."""
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.SetInformationJobObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    ]
    kernel32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return False
    info = _ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY
    info.ProcessMemoryLimit = limit
    if not kernel32.SetInformationJobObject(
        job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), ctypes.sizeof(info)
    ):
        return False
    return bool(kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()))


@dataclass(frozen=True)
class _Setup:
    memory_limit_bytes: int | None
    nice: int
    environment: dict[str, str]  # the parent's now, not the fork server's from its start
    sockets: sandbox.Sockets = sandbox.Sockets.NO_SOCKETS


def _enter(setup: _Setup) -> None:
    """A child's first steps: the parent's environment of the call, then ``child_setup``."""
    os.environ.clear()
    os.environ.update(setup.environment)
    child_setup(setup.memory_limit_bytes, setup.nice, setup.sockets)


def _child_main(
    conn: multiprocessing.connection.Connection,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    setup: _Setup,
) -> None:
    _enter(setup)
    try:
        result = func(*args)
    except errors.HushdeskError as exc:
        conn.send(("error", type(exc).__name__, exc.message, exc.detail))
    except MemoryError:
        conn.send(("error", "IsolatedFailure", "ran out of memory", None))
    except BaseException as exc:
        conn.send(
            ("error", "IsolatedFailure", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        )
    else:
        conn.send(("ok", result))
    conn.close()


def run_isolated(
    func: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_limit_bytes: int | None = None,
    cancel: CancelToken | None = None,
    nice: int = 0,
) -> T:
    """``func(*args)`` in a fresh child process, or an error that says what went wrong.

    ``func`` must be importable by name (a module-level function) and its arguments
    and result picklable. A ``HushdeskError`` raised in the child is raised again here
    with its own class and message.
    """
    receiver, sender = _ctx.Pipe(duplex=False)
    process = _ctx.Process(
        target=_child_main,
        args=(sender, func, args, _Setup(memory_limit_bytes, nice, dict(os.environ))),
        daemon=True,
    )
    process.start()
    sender.close()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if cancel is not None and cancel.cancelled:
                raise errors.Cancelled()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise IsolatedFailure(
                    f"took longer than {timeout_s:g} s and was stopped",
                    detail=func.__qualname__,  # never the arguments: they may hold a password
                )
            ready = multiprocessing.connection.wait([receiver], timeout=min(remaining, 0.1))
            if not ready:
                continue
            try:
                message = receiver.recv()
            except EOFError:
                process.join(5)
                raise IsolatedFailure(
                    f"crashed ({describe_exit(process.exitcode)})",
                    detail=func.__qualname__,
                ) from None
            break
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if message[0] == "ok":
        return message[1]  # type: ignore[no-any-return]
    _, kind, text, detail = message
    if kind == "IsolatedFailure":
        raise IsolatedFailure(text, detail=detail)
    raise errors.from_wire(kind, text, detail)


def _worker_main(
    conn: multiprocessing.connection.Connection,
    serve: Callable[..., None],
    args: tuple[Any, ...],
    setup: _Setup,
) -> None:
    _enter(setup)
    with contextlib.suppress(EOFError, OSError, KeyboardInterrupt):
        serve(conn, *args)
    conn.close()


def start_worker(
    serve: Callable[..., None],
    *args: Any,
    memory_limit_bytes: int | None = None,
    nice: int = 0,
    sockets: sandbox.Sockets = sandbox.Sockets.NO_SOCKETS,
) -> tuple[multiprocessing.process.BaseProcess, multiprocessing.connection.Connection]:
    """A long-lived child set up like ``run_isolated``'s (no network, no core dumps,
    limits) that runs ``serve(conn, *args)`` until the parent closes its end: for work
    that keeps a model loaded between requests (dictation), or plays a recording
    (``LOCAL_SOCKETS_ONLY``: the sound server is reached by a local socket). The caller
    times its own requests and kills the child when one overruns."""
    ours, theirs = _ctx.Pipe()
    process = _ctx.Process(
        target=_worker_main,
        args=(theirs, serve, args, _Setup(memory_limit_bytes, nice, dict(os.environ), sockets)),
        daemon=True,
    )
    process.start()
    theirs.close()
    return process, ours


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
