"""A global shortcut: a key combination that reaches Hushdesk whichever program has the
focus (Ctrl+Alt+Space opens the quick-ask window).

X11: the X server is asked for that one combination (``XGrabKey`` on the root window,
with and without Caps Lock and Num Lock) on a connection of our own, read on a thread.
Hand-written with ctypes because the maintained Python hot-key libraries (pynput's
global hot keys, keyboard) listen to every key the user types and pick the combination
out — for an app whose promise is privacy, a shortcut should not be a key logger.
Another program holding the combination is said plainly (X answers BadAccess).

Wayland gives no program global keys of its own: the desktop binds them; the message
says to bind ``hushdesk quick`` and ``hushdesk selection`` there. Windows
(``RegisterHotKey``) and macOS are not done yet: the same message names the commands.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
import sys
import threading
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence

DEFAULT = "Ctrl+Alt+Space"
KEY_PRESS = 2
GRAB_MODE_ASYNC = 1
BAD_ACCESS = 10
SHIFT, LOCK, CONTROL, MOD1, MOD2, MOD4 = 1, 2, 4, 8, 16, 64  # X's modifier masks
_LOCKS = (0, LOCK, MOD2, LOCK | MOD2)  # Caps Lock and Num Lock change nothing
_KEYS = {  # Qt's name → X's keysym name, where they differ
    "Space": "space", "Return": "Return", "Enter": "Return", "Tab": "Tab", "Esc": "Escape",
    "Backspace": "BackSpace", "Ins": "Insert", "Del": "Delete", "PgUp": "Prior",
    "PgDown": "Next",
}  # fmt: skip


class _KeyEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("rest", ctypes.c_long * 24)]  # XEvent is 24 longs


class _ErrorEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_ErrorEvent))


def split(sequence: str) -> tuple[int, str]:
    """("Ctrl+Alt+Space") → (X's modifier mask, the key's keysym name)."""
    parts = [p.strip() for p in sequence.split("+") if p.strip()]
    if not parts:
        raise ValueError("an empty shortcut")
    masks = {"ctrl": CONTROL, "control": CONTROL, "alt": MOD1, "shift": SHIFT,
             "meta": MOD4, "super": MOD4, "win": MOD4}  # fmt: skip
    mask = 0
    for name in parts[:-1]:
        if name.lower() not in masks:
            raise ValueError(f"{name} is not a modifier key")
        mask |= masks[name.lower()]
    key = parts[-1]
    if not mask:
        raise ValueError("a global shortcut needs Ctrl, Alt, Shift or Super")
    return mask, _KEYS.get(key, key.lower() if len(key) == 1 else key)


class GlobalShortcut(QObject):
    """``activated`` when the combination is pressed anywhere; ``problem`` says why it
    cannot be ("" while it works)."""

    activated = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.problem = ""
        self.sequence = ""
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self, sequence: str = DEFAULT) -> bool:
        """Take ``sequence`` (stopping any taken before); False with ``problem`` set when
        it cannot be had."""
        self.stop()
        self.sequence, self.problem = sequence, ""
        if QKeySequence(sequence).isEmpty():
            self.problem = f"{sequence!r} is not a key combination."
            return False
        platform = QGuiApplication.platformName()
        if not sys.platform.startswith("linux") or platform != "xcb":
            self.problem = (
                f"This desktop does not let Hushdesk take {sequence} itself: bind the commands "
                "`hushdesk quick` and `hushdesk selection` to keys in your system's keyboard "
                "settings."
            )
            return False
        try:
            mask, key = split(sequence)
        except ValueError as exc:
            self.problem = f"{sequence} cannot be a global shortcut: {exc}."
            return False
        ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._listen, args=(mask, key, ready, self._stop), name="hotkey", daemon=True
        )
        self._thread.start()
        ready.wait(5)
        return not self.problem

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self._stop = self._thread = None

    def _listen(self, mask: int, key: str, ready: threading.Event, stop: threading.Event) -> None:
        try:
            x = xlib()
        except OSError:
            self.problem = "The X11 library (libX11) was not found."
            ready.set()
            return
        display = x.XOpenDisplay(os.environ.get("DISPLAY", "").encode() or None)
        if not display:
            self.problem = "The X display could not be reached for the global shortcut."
            ready.set()
            return
        refused: list[int] = []

        def on_error(_display: Any, event: Any) -> int:
            refused.append(event.contents.error_code)
            return 0

        handler = _HANDLER(on_error)
        try:
            keycode = x.XKeysymToKeycode(display, x.XStringToKeysym(key.encode()))
            if not keycode:
                self.problem = f"This keyboard has no {key} key."
                return
            root = x.XDefaultRootWindow(display)
            previous = x.XSetErrorHandler(ctypes.cast(handler, ctypes.c_void_p))
            for locks in _LOCKS:
                x.XGrabKey(display, keycode, mask | locks, root, True, GRAB_MODE_ASYNC,
                           GRAB_MODE_ASYNC)  # fmt: skip
            x.XSync(display, False)
            x.XSetErrorHandler(previous)  # X's handler is the process's: only for the grab
            if BAD_ACCESS in refused:
                self.problem = (
                    f"{self.sequence} is taken by another program: choose another shortcut "
                    "in Settings, or free it there."
                )
                return
            ready.set()
            self._events(x, display, stop)
        finally:
            x.XCloseDisplay(display)  # the grabs go with the connection
            ready.set()

    def _events(self, x: Any, display: Any, stop: threading.Event) -> None:
        connection = x.XConnectionNumber(display)
        event = _KeyEvent()
        while not stop.is_set():
            if not x.XPending(display):
                select.select([connection], [], [], 0.25)
                continue
            x.XNextEvent(display, ctypes.byref(event))
            if event.type == KEY_PRESS:
                self.activated.emit()  # queued to the GUI thread: the receiver lives there


def xlib() -> Any:
    """libX11, its functions given their C types."""
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    x = ctypes.CDLL(name)
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XStringToKeysym.restype = ctypes.c_ulong
    x.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x.XKeysymToKeycode.restype = ctypes.c_ubyte
    x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XGrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong,
                           ctypes.c_int, ctypes.c_int, ctypes.c_int]  # fmt: skip
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x.XPending.argtypes = [ctypes.c_void_p]
    x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    x.XConnectionNumber.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x.XGetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    x.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
    x.XSetErrorHandler.restype = ctypes.c_void_p
    x.XSetErrorHandler.argtypes = [ctypes.c_void_p]
    return x


def focused_window() -> int:
    """The X11 window that has the keyboard focus now (0 elsewhere, or when unknown): the
    quick-ask window gives it back when it hides."""
    with _display() as (x, display):
        if display is None:
            return 0
        window, revert = ctypes.c_ulong(), ctypes.c_int()
        x.XGetInputFocus(display, ctypes.byref(window), ctypes.byref(revert))
        return int(window.value) if window.value > 1 else 0  # None, PointerRoot: nothing


def focus_window(window: int) -> None:
    """Give ``window`` the keyboard focus back (X11; nothing elsewhere)."""
    with _display() as (x, display):
        if display is not None:
            x.XSetInputFocus(display, window, 2, 0)  # revert to parent, now
            x.XSync(display, False)


@contextlib.contextmanager
def _display() -> Iterator[tuple[Any, Any]]:
    if QGuiApplication.platformName() != "xcb":
        yield None, None
        return
    try:
        x = xlib()
    except OSError:
        yield None, None
        return
    display = x.XOpenDisplay(os.environ.get("DISPLAY", "").encode() or None)
    try:
        yield x, display or None
    finally:
        if display:
            x.XCloseDisplay(display)


def paste_into(window: int) -> bool:
    """Ctrl+V typed into ``window``, which gets the focus back first (X11, through the
    XTest extension); False where that cannot be done."""
    with _display() as (x, display):
        if display is None or not window:
            return False
        try:
            xtest = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        except OSError:
            return False
        xtest.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                            ctypes.c_ulong]  # fmt: skip
        x.XSetInputFocus(display, window, 2, 0)
        keys = [x.XKeysymToKeycode(display, x.XStringToKeysym(k)) for k in (b"Control_L", b"v")]
        for down in (True, False):
            for code in keys if down else reversed(keys):
                xtest.XTestFakeKeyEvent(display, code, down, 0)
        x.XSync(display, False)
        return True
