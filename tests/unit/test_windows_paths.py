"""Windows-only code paths, run here on stand-ins for what Windows provides: the memory
cap's Job Object (kernel32) and the file locks (msvcrt). The wipe on Windows' folder
layout is in test_wipe.py."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from hushdesk import fsutil, isolate


class _Function:
    """A kernel32 function: callable, and takes ``restype``/``argtypes`` as ctypes' do."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def __call__(self, *args: Any) -> Any:
        return self.body(*args)


class FakeKernel32:
    """What _job_object_limit asks of kernel32, recorded."""

    def __init__(self) -> None:
        self.limits: Any = None
        self.size = 0
        self.assigned: tuple[object, object] | None = None
        self.CreateJobObjectW = _Function(lambda *_: 77)
        self.GetCurrentProcess = _Function(lambda: -1)
        self.SetInformationJobObject = _Function(self._set_information)
        self.AssignProcessToJobObject = _Function(self._assign)

    def _set_information(self, job: int, kind: int, info: Any, size: int) -> int:
        assert (job, kind) == (77, 9)  # JobObjectExtendedLimitInformation
        self.limits, self.size = info._obj, size
        return 1

    def _assign(self, job: int, process: int) -> int:
        self.assigned = (job, process)
        return 1


def test_the_memory_cap_on_windows_is_a_job_object_with_a_process_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kernel32 = FakeKernel32()
    monkeypatch.setattr(ctypes, "WinDLL", lambda *_a, **_k: kernel32, raising=False)
    assert isolate._job_object_limit(3 << 30)
    assert kernel32.size == 144  # JOBOBJECT_EXTENDED_LIMIT_INFORMATION on x64
    assert kernel32.limits.BasicLimitInformation.LimitFlags == 0x100  # PROCESS_MEMORY
    assert kernel32.limits.ProcessMemoryLimit == 3 << 30
    assert kernel32.assigned == (77, -1)


class FakeMsvcrt(types.ModuleType):
    """msvcrt.locking: one holder per file, LK_NBLCK fails at once when held."""

    LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.held: dict[tuple[int, int], int] = {}
        self.lock = threading.Lock()

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # every process locks byte 0
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        with self.lock:
            if mode == self.LK_UNLCK:
                self.held.pop(key, None)
            elif mode == self.LK_NBLCK:
                if key in self.held and self.held[key] != fd:
                    raise OSError(36, "Resource deadlock avoided")
                self.held[key] = fd
            else:
                raise AssertionError("LK_LOCK gives up after 10 s on Windows: not used")


@pytest.fixture
def windows_locks(monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt:
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(fsutil, "_WINDOWS", True)
    return fake


def test_the_windows_lock_waits_as_long_as_it_takes(
    windows_locks: FakeMsvcrt, tmp_path: Path
) -> None:
    path = tmp_path / "library.lock"
    order: list[str] = []

    def second() -> None:
        with fsutil.locked(path):
            order.append("second")

    with fsutil.locked(path):
        with path.open("a+b") as other:
            assert not fsutil.try_lock(other)  # held: another handle cannot take it
        with pytest.raises(BlockingIOError), fsutil.locked(path, wait=False):
            pass
        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive()  # waiting, not failed
        order.append("first")
    waiter.join(10)
    assert order == ["first", "second"]
    assert windows_locks.held == {}
