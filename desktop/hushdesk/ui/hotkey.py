"""A global shortcut: a key combination that reaches Hushdesk whichever program has the
focus (Ctrl+Alt+Space opens the quick-ask window), on each desktop through what that
desktop offers for one combination:

- X11: the X server is asked for that one combination (``XGrabKey`` on the root window,
  with and without Caps Lock and Num Lock) on a connection of our own, read on a thread
  (here);
- Windows: ``RegisterHotKey`` (``hotkey_windows.py``);
- macOS: Carbon's ``RegisterEventHotKey``, which is what the maintained wrappers call too
  (``hotkey_macos.py``);
- Wayland: the desktop portal's global shortcuts, where the desktop has them
  (``hotkey_portal.py``); the desktop may ask the user first, and may bind other keys.

Hand-written with ctypes because the maintained Python hot-key libraries (pynput's
global hot keys, keyboard) listen to every key the user types and pick the combination
out — for an app whose promise is privacy, a shortcut should not be a key logger.
Another program holding the combination is said plainly. Where none of these can be had
(a Wayland desktop without the portal), the message says to bind ``hushdesk quick`` and
``hushdesk selection`` in the system's keyboard settings.
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

from hushdesk.ui.hotkey_keys import TAKEN, Activated, Grab, keysym, parse

DEFAULT = "Ctrl+Alt+Space"
KEY_PRESS = 2
GRAB_MODE_ASYNC = 1
BAD_ACCESS = 10
SHIFT, LOCK, CONTROL, MOD1, MOD2, MOD4 = 1, 2, 4, 8, 16, 64  # X's modifier masks
_MASKS = {"ctrl": CONTROL, "alt": MOD1, "shift": SHIFT, "meta": MOD4}
_LOCKS = (0, LOCK, MOD2, LOCK | MOD2)  # Caps Lock and Num Lock change nothing


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


class GlobalShortcut(QObject):
    """``activated`` when the combination is pressed anywhere; ``problem`` says why it
    cannot be ("" while it works), ``bound_to`` the keys as the desktop bound them;
    ``changed`` when either changes after ``start`` returned (a portal answers later)."""

    activated = Signal()
    changed = Signal()

    def __init__(
        self, parent: QObject | None = None, name: str = "quick", description: str = "Quick ask"
    ) -> None:
        super().__init__(parent)
        self.name, self.description = name, description
        self.problem = self.sequence = self.bound_to = ""
        self._grab: Grab | None = None

    def start(self, sequence: str = DEFAULT) -> bool:
        """Take ``sequence`` (stopping any taken before); False with ``problem`` set when
        it cannot be had."""
        self.stop()
        self.sequence, self.problem, self.bound_to = sequence, "", sequence
        if QKeySequence(sequence).isEmpty():
            self.problem = f"{sequence!r} is not a key combination."
            return False
        try:
            modifiers, key = parse(sequence)
        except ValueError as exc:
            self.problem = f"{sequence} cannot be a global shortcut: {exc}."
            return False
        self._grab = self._platform_grab(modifiers, key)
        if self._grab is None:
            self.problem = (
                f"This desktop does not let Hushdesk take {sequence} itself: bind the commands "
                "`hushdesk quick` and `hushdesk selection` to keys in your system's keyboard "
                "settings."
            )
            return False
        self.problem = self._grab.start().replace("{keys}", sequence)
        if self.problem:
            self._grab = None
        return not self.problem

    def stop(self) -> None:
        if self._grab is not None:
            self._grab.stop()
        self._grab = None
        self.sequence = self.problem = self.bound_to = ""

    def _platform_grab(self, modifiers: frozenset[str], key: str) -> Grab | None:
        platform = QGuiApplication.platformName()
        if sys.platform == "win32":
            from hushdesk.ui import hotkey_windows

            return hotkey_windows.WindowsGrab(modifiers, key, self.activated.emit)
        if sys.platform == "darwin":
            from hushdesk.ui import hotkey_macos

            return hotkey_macos.CarbonGrab(modifiers, key, self.activated.emit)
        if platform == "xcb":
            return X11Grab(modifiers, key, self.activated.emit)
        if platform.startswith("wayland"):
            from hushdesk.ui import hotkey_portal

            return hotkey_portal.PortalGrab(
                modifiers,
                key,
                self.activated.emit,
                report=self._reported,
                name=self.name,
                description=self.description,
            )
        return None

    def _reported(self, problem: str, bound_to: str) -> None:
        """From the portal's thread: the desktop's answer came (Qt queues the signal)."""
        if not self.sequence:
            return  # stopped meanwhile
        self.problem, self.bound_to = problem, bound_to or self.bound_to
        self.changed.emit()


class X11Grab:
    def __init__(self, modifiers: frozenset[str], key: str, activated: Activated) -> None:
        self.mask = sum(_MASKS[m] for m in modifiers)
        self.key = keysym(key)
        self.activated = activated
        self.problem = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, args=(ready,), name="hotkey",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        ready.wait(5)
        return self.problem

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)

    def _listen(self, ready: threading.Event) -> None:
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
            keycode = x.XKeysymToKeycode(display, x.XStringToKeysym(self.key.encode()))
            if not keycode:
                self.problem = f"This keyboard has no {self.key} key."
                return
            root = x.XDefaultRootWindow(display)
            previous = x.XSetErrorHandler(ctypes.cast(handler, ctypes.c_void_p))
            for locks in _LOCKS:
                x.XGrabKey(display, keycode, self.mask | locks, root, True, GRAB_MODE_ASYNC,
                           GRAB_MODE_ASYNC)  # fmt: skip
            x.XSync(display, False)
            x.XSetErrorHandler(previous)  # X's handler is the process's: only for the grab
            if BAD_ACCESS in refused:
                self.problem = TAKEN
                return
            ready.set()
            self._events(x, display)
        finally:
            x.XCloseDisplay(display)  # the grabs go with the connection
            ready.set()

    def _events(self, x: Any, display: Any) -> None:
        connection = x.XConnectionNumber(display)
        event = _KeyEvent()
        while not self._stop.is_set():
            if not x.XPending(display):
                select.select([connection], [], [], 0.25)
                continue
            x.XNextEvent(display, ctypes.byref(event))
            if event.type == KEY_PRESS:
                self.activated()  # a Qt signal's emit: queued to the GUI thread


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
