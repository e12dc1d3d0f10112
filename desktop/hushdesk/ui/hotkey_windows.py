"""The global shortcut on Windows: ``RegisterHotKey`` for that one combination, on a
thread of our own whose message loop receives ``WM_HOTKEY`` (a hot key registered with
no window is posted to the thread that registered it, so the thread must also read it).
Windows says when another program holds the combination (error 1409). See ``hotkey.py``
for why this is ctypes rather than a key-listening library.

The Windows calls go through ``api`` so that the loop can be exercised with a stand-in
off Windows; on Windows it is user32 and kernel32 themselves.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from hushdesk.ui.hotkey_keys import TAKEN, Activated

MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000
WM_HOTKEY, WM_QUIT = 0x0312, 0x0012
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
_MODIFIERS = {"ctrl": MOD_CONTROL, "alt": MOD_ALT, "shift": MOD_SHIFT, "meta": MOD_WIN}
_KEYS = {  # Qt's name → the virtual-key code
    "Space": 0x20, "Return": 0x0D, "Enter": 0x0D, "Tab": 0x09, "Esc": 0x1B,
    "Backspace": 0x08, "Ins": 0x2D, "Del": 0x2E, "PgUp": 0x21, "PgDown": 0x22,
    "Home": 0x24, "End": 0x23, "Left": 0x25, "Up": 0x26, "Right": 0x27, "Down": 0x28,
}  # fmt: skip
_ID = 0xB00  # our hot key's id on its own thread


class _Msg(ctypes.Structure):
    _fields_ = [
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
        ("time", ctypes.c_ulong),
        ("x", ctypes.c_long),
        ("y", ctypes.c_long),
    ]


def virtual_key(key: str) -> int | None:
    """Qt's name of a key → Windows' virtual-key code (None: not one we can register)."""
    if len(key) == 1 and key.isascii() and key.isalnum():
        return ord(key.upper())
    if key[:1] == "F" and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        return 0x70 + int(key[1:]) - 1
    return _KEYS.get(key)


class Win32:
    """user32 and kernel32, their functions given their C types (Windows only)."""

    def __init__(self) -> None:
        windll: Any = ctypes.WinDLL  # type: ignore[attr-defined]  # Windows only
        self.user32 = windll("user32", use_last_error=True)
        self.kernel32 = windll("kernel32")
        self.user32.RegisterHotKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint,
                                               ctypes.c_uint]  # fmt: skip
        self.user32.UnregisterHotKey.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.user32.GetMessageW.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint,
                                            ctypes.c_uint]  # fmt: skip
        self.user32.PostThreadMessageW.argtypes = [ctypes.c_ulong, ctypes.c_uint,
                                                   ctypes.c_size_t, ctypes.c_ssize_t]  # fmt: skip

    def register(self, modifiers: int, key: int) -> int:
        """0 when registered, else Windows' error code."""
        if self.user32.RegisterHotKey(None, _ID, modifiers, key):
            return 0
        return int(ctypes.get_last_error())  # type: ignore[attr-defined]  # Windows only

    def unregister(self) -> None:
        self.user32.UnregisterHotKey(None, _ID)

    def next_message(self) -> int | None:
        """Wait for the thread's next message; None once WM_QUIT (or an error) came."""
        message = _Msg()
        if self.user32.GetMessageW(ctypes.byref(message), None, 0, 0) <= 0:
            return None
        return int(message.message)

    def thread_id(self) -> int:
        return int(self.kernel32.GetCurrentThreadId())

    def quit(self, thread_id: int) -> None:
        self.user32.PostThreadMessageW(thread_id, WM_QUIT, 0, 0)


class WindowsGrab:
    def __init__(
        self, modifiers: frozenset[str], key: str, activated: Activated, api: Any = None
    ) -> None:
        self.modifiers = sum(_MODIFIERS[m] for m in modifiers) | MOD_NOREPEAT
        self.key, self.activated = key, activated
        self.api = api
        self.problem = ""
        self._thread: threading.Thread | None = None
        self._thread_id = 0

    def start(self) -> str:
        code = virtual_key(self.key)
        if code is None:
            return f"{self.key} cannot be part of a global shortcut on Windows."
        ready = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(code, ready), name="hotkey",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        ready.wait(5)
        return self.problem

    def stop(self) -> None:
        if self._thread is not None and self._thread_id:
            self.api.quit(self._thread_id)
            self._thread.join(2)
        self._thread = None

    def _loop(self, code: int, ready: threading.Event) -> None:
        try:
            if self.api is None:
                self.api = Win32()
            self._thread_id = self.api.thread_id()
            error = self.api.register(self.modifiers, code)
        except OSError as exc:
            error = -1
            self.problem = f"Windows refused the global shortcut ({exc})."
        if error:
            if error == ERROR_HOTKEY_ALREADY_REGISTERED:
                self.problem = TAKEN
            self.problem = self.problem or f"Windows refused the global shortcut (error {error})."
            ready.set()
            return
        ready.set()
        try:
            while (message := self.api.next_message()) is not None:
                if message == WM_HOTKEY:
                    self.activated()  # a Qt signal's emit: queued to the GUI thread
        finally:
            self.api.unregister()
