"""The global shortcut on macOS: Carbon's ``RegisterEventHotKey`` for that one
combination, with an event handler on the application's event target — the call the
maintained wrappers make too, and one that needs no Accessibility permission (unlike a
keyboard event tap, which sees every key). Carbon delivers the key on the main thread,
whose run loop Qt's event loop drives. See ``hotkey.py`` for why this is ctypes.

Qt's names follow the Mac: "Ctrl" is the Command key and "Meta" the Control key.
Carbon reports a combination another handler of this app holds; one the system or
another app uses is not reported by macOS.
"""

from __future__ import annotations

import ctypes
import itertools
from typing import Any

from hushdesk.ui.hotkey_keys import TAKEN, Activated

CMD, SHIFT, OPTION, CONTROL = 0x100, 0x200, 0x800, 0x1000
_MODIFIERS = {"ctrl": CMD, "shift": SHIFT, "alt": OPTION, "meta": CONTROL}
_LETTERS = "asdfhgzxcv?bqweryt123465=97-80]ou[ip?lj'k;\\,/nm.??`"  # kVK_ANSI_* from 0
_KEYS = {"Return": 0x24, "Enter": 0x4C, "Tab": 0x30, "Space": 0x31, "Backspace": 0x33,
         "Esc": 0x35, "Del": 0x75, "Home": 0x73, "End": 0x77, "PgUp": 0x74, "PgDown": 0x79,
         "Left": 0x7B, "Right": 0x7C, "Down": 0x7D, "Up": 0x7E}  # fmt: skip
_F_KEYS = (0x7A, 0x78, 0x63, 0x76, 0x60, 0x61, 0x62, 0x64, 0x65, 0x6D, 0x67, 0x6F)
SIGNATURE = int.from_bytes(b"HshD", "big")
KEYBOARD_CLASS, HOT_KEY_PRESSED = int.from_bytes(b"keyb", "big"), 5
DIRECT_OBJECT, HOT_KEY_ID_TYPE = int.from_bytes(b"----", "big"), int.from_bytes(b"hkid", "big")
NOT_HANDLED, HOT_KEY_EXISTS = -9874, -9878
_ids = itertools.count(1)


class _HotKeyId(ctypes.Structure):
    _fields_ = [("signature", ctypes.c_uint32), ("id", ctypes.c_uint32)]


class _EventType(ctypes.Structure):
    _fields_ = [("eventClass", ctypes.c_uint32), ("eventKind", ctypes.c_uint32)]


_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


def key_code(key: str) -> int | None:
    """Qt's name of a key → the Mac's virtual key code (None: not one we can register)."""
    if len(key) == 1 and key.lower() in _LETTERS and key != "?":
        return _LETTERS.index(key.lower())
    if key[:1] == "F" and key[1:].isdigit() and 1 <= int(key[1:]) <= len(_F_KEYS):
        return _F_KEYS[int(key[1:]) - 1]
    return _KEYS.get(key)


def carbon() -> Any:
    """The Carbon framework, the functions used here given their C types (macOS only)."""
    lib = ctypes.CDLL("/System/Library/Frameworks/Carbon.framework/Carbon")
    lib.GetApplicationEventTarget.restype = ctypes.c_void_p
    lib.InstallEventHandler.argtypes = [
        ctypes.c_void_p, _HANDLER, ctypes.c_ulong, ctypes.POINTER(_EventType), ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_void_p),
    ]  # fmt: skip
    lib.RemoveEventHandler.argtypes = [ctypes.c_void_p]
    lib.RegisterEventHotKey.argtypes = [
        ctypes.c_uint32, ctypes.c_uint32, _HotKeyId, ctypes.c_void_p, ctypes.c_uint32,
        ctypes.POINTER(ctypes.c_void_p),
    ]  # fmt: skip
    lib.UnregisterEventHotKey.argtypes = [ctypes.c_void_p]
    lib.GetEventParameter.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ulong,
        ctypes.c_void_p, ctypes.c_void_p,
    ]  # fmt: skip
    return lib


class CarbonGrab:
    def __init__(self, modifiers: frozenset[str], key: str, activated: Activated) -> None:
        self.modifiers = sum(_MODIFIERS[m] for m in modifiers)
        self.key, self.activated = key, activated
        self.id = next(_ids)
        self._lib: Any = None
        self._hot_key = ctypes.c_void_p()
        self._handler_ref = ctypes.c_void_p()
        self._handler = _HANDLER(self._on_event)  # kept: Carbon holds only the pointer

    def start(self) -> str:
        code = key_code(self.key)
        if code is None:
            return f"{self.key} cannot be part of a global shortcut on macOS."
        try:
            self._lib = carbon()
        except OSError:
            return "macOS's Carbon framework was not found for the global shortcut."
        target = self._lib.GetApplicationEventTarget()
        kinds = (_EventType * 1)(_EventType(KEYBOARD_CLASS, HOT_KEY_PRESSED))
        status = self._lib.InstallEventHandler(target, self._handler, 1, kinds, None,
                                               ctypes.byref(self._handler_ref))  # fmt: skip
        if status == 0:
            status = self._lib.RegisterEventHotKey(
                code, self.modifiers, _HotKeyId(SIGNATURE, self.id), target, 0,
                ctypes.byref(self._hot_key),
            )  # fmt: skip
        if status == 0:
            return ""
        self.stop()
        if status == HOT_KEY_EXISTS:
            return TAKEN
        return f"macOS refused the global shortcut (error {status})."

    def stop(self) -> None:
        if self._lib is None:
            return
        if self._hot_key:
            self._lib.UnregisterEventHotKey(self._hot_key)
        if self._handler_ref:
            self._lib.RemoveEventHandler(self._handler_ref)
        self._hot_key, self._handler_ref = ctypes.c_void_p(), ctypes.c_void_p()

    def _on_event(self, _call: Any, event: Any, _data: Any) -> int:
        """Every hot key of the app comes to every handler: take only ours."""
        pressed = _HotKeyId()
        size = ctypes.sizeof(pressed)
        self._lib.GetEventParameter(event, DIRECT_OBJECT, HOT_KEY_ID_TYPE, None, size, None,
                                    ctypes.byref(pressed))  # fmt: skip
        if pressed.signature != SIGNATURE or pressed.id != self.id:
            return NOT_HANDLED
        self.activated()
        return 0
