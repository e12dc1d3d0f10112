"""What every platform's global shortcut shares: the combination parsed from Qt's
portable text, X's key names (X11 and the Wayland portal use them), a grab's shape and
the message for a combination another program holds. Apart from ``hotkey.py`` so the
platforms' grabs (``hotkey_windows``, ``hotkey_macos``, ``hotkey_portal``), which it
chooses among, need not import it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

_KEYS = {  # Qt's name → X's keysym name, where they differ
    "Space": "space", "Return": "Return", "Enter": "Return", "Tab": "Tab", "Esc": "Escape",
    "Backspace": "BackSpace", "Ins": "Insert", "Del": "Delete", "PgUp": "Prior",
    "PgDown": "Next",
}  # fmt: skip
TAKEN = (  # {keys}: the combination, put in by GlobalShortcut
    "{keys} is taken by another program: choose another shortcut in Settings → Quick ask, "
    "or free it there."
)


Activated = Callable[[], None]  # called on any thread when the combination is pressed
Report = Callable[[str, str], None]  # (problem, the keys as the desktop bound them), later


class Grab(Protocol):
    """One platform's hold on one combination."""

    def start(self) -> str:
        """Take it; why it cannot be had, else "" (waits at most a few seconds)."""

    def stop(self) -> None: ...


def parse(sequence: str) -> tuple[frozenset[str], str]:
    """("Ctrl+Alt+Space") → ({"ctrl", "alt"}, "Space"): Qt's portable names, the modifiers
    in lower case (ctrl, alt, shift, meta)."""
    parts = [p.strip() for p in sequence.split("+") if p.strip()]
    if not parts:
        raise ValueError("an empty shortcut")
    names = {"ctrl": "ctrl", "control": "ctrl", "alt": "alt", "shift": "shift",
             "meta": "meta", "super": "meta", "win": "meta"}  # fmt: skip
    modifiers = set()
    for name in parts[:-1]:
        if name.lower() not in names:
            raise ValueError(f"{name} is not a modifier key")
        modifiers.add(names[name.lower()])
    if not modifiers:
        raise ValueError("a global shortcut needs Ctrl, Alt, Shift or Super")
    return frozenset(modifiers), parts[-1]


def keysym(key: str) -> str:
    """Qt's name of a key → X's keysym name (X11 and the Wayland portal use these)."""
    return _KEYS.get(key, key.lower() if len(key) == 1 else key)
