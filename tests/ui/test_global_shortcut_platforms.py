"""The global shortcut on each desktop: on Wayland through the desktop portal (a real
dbus-daemon and a stand-in portal that answers as xdg-desktop-portal does), the desktop's
binding and refusal reported, a press reaching Quick ask; Windows' and macOS' key maps
and Windows' message loop against a stand-in for user32 (those calls exist only there)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from hushdesk.ui import hotkey, hotkey_keys, hotkey_macos, hotkey_portal, hotkey_windows
from hushdesk.ui.widgets.quick_settings import QuickSettings
from tests.portal import FakePortal, session_bus
from tests.ui.conftest import MakeWindow


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with session_bus() as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address


@pytest.fixture
def portal(bus: str) -> Iterator[FakePortal]:
    fake = FakePortal(bus, trigger="Ctrl+Alt+Space (Super+Q here)")
    fake.start()
    assert fake.ready.wait(10)
    yield fake
    fake.stop()


class _Wayland:
    @staticmethod
    def platformName() -> str:  # Qt's name
        return "wayland"


def test_on_wayland_the_portal_binds_it_and_a_press_opens_quick_ask(
    portal: FakePortal, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotkey, "QGuiApplication", _Wayland)
    shortcut = hotkey.GlobalShortcut(name="quick", description="Open Quick ask")
    with qtbot.waitSignal(shortcut.changed, timeout=10_000):
        assert shortcut.start("Ctrl+Alt+Space"), shortcut.problem
    assert shortcut.problem == ""
    assert shortcut.bound_to == "Ctrl+Alt+Space (Super+Q here)"  # as the desktop bound it
    assert portal.bound == [("quick", {"description": ("s", "Open Quick ask"),
                                       "preferred_trigger": ("s", "CTRL+ALT+space")})]  # fmt: skip
    with qtbot.waitSignal(shortcut.activated, timeout=10_000):
        portal.press("quick")
    shortcut.stop()
    assert portal.closed.wait(5)  # the portal session is closed with it


@pytest.mark.qt_log_ignore("does not support")  # the offscreen platform
def test_settings_says_how_the_desktop_bound_them_when_its_answer_comes(
    portal: FakePortal, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, make_window: MakeWindow
) -> None:
    window = make_window()
    window.go("settings")
    [box] = window.page("settings").findChildren(QuickSettings)  # built before the answer
    monkeypatch.setattr(hotkey, "QGuiApplication", _Wayland)
    assert window.quick.start("Ctrl+Alt+Space", "Ctrl+Alt+W") == ""
    qtbot.waitUntil(lambda: box.problem.text().count("desktop bound") == 2, timeout=10_000)
    text = box.problem.text()
    assert "Your desktop bound Quick ask to Ctrl+Alt+Space (Super+Q here)." in text
    assert "Actions on selected text" in text
    assert {name for name, _ in portal.bound} == {"quick", "selection"}
    window.quick.start("", "")


def test_a_refusal_in_the_desktops_dialog_is_said(bus: str, qtbot: QtBot) -> None:
    fake = FakePortal(bus, answer=1)
    fake.start()
    assert fake.ready.wait(10)
    said: list[tuple[str, str]] = []
    grab = hotkey_portal.PortalGrab(
        frozenset({"ctrl", "alt"}), "W", lambda: None, report=lambda *a: said.append(a),
        name="selection", description="Act on the selection",
    )  # fmt: skip
    assert grab.start() == ""  # the session is had; the binding is the user's to allow
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert "not allowed" in said[0][0]
    assert "hushdesk quick" in said[0][0]
    grab.stop()
    fake.stop()


def test_a_desktop_without_the_portal_gets_the_advice(bus: str) -> None:
    grab = _grab()
    assert grab.start() == hotkey_portal.NO_PORTAL
    grab.stop()


def test_no_session_bus_gets_the_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    grab = _grab()
    assert grab.start() == hotkey_portal.NO_PORTAL
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "tcp:host=192.0.2.1,port=1")
    assert grab.start() == hotkey_portal.NO_PORTAL  # never a bus across the network


def test_the_keys_each_platform_is_given() -> None:
    assert hotkey_keys.parse("Ctrl+Alt+Space") == (frozenset({"ctrl", "alt"}), "Space")
    assert hotkey_portal.trigger(frozenset({"alt", "ctrl"}), "Space") == "CTRL+ALT+space"
    assert hotkey_portal.trigger(frozenset({"meta", "shift"}), "W") == "SHIFT+LOGO+w"
    assert hotkey_windows.virtual_key("Space") == 0x20
    assert hotkey_windows.virtual_key("w") == ord("W")
    assert hotkey_windows.virtual_key("F12") == 0x7B
    assert hotkey_windows.virtual_key("§") is None
    assert hotkey_macos.key_code("Space") == 0x31
    assert hotkey_macos.key_code("W") == 0x0D
    assert hotkey_macos.key_code("n") == 0x2D
    assert hotkey_macos.key_code("`") == 0x32
    assert hotkey_macos.key_code("F1") == 0x7A
    assert hotkey_macos.key_code("?") is None
    with pytest.raises(ValueError, match="needs Ctrl"):
        hotkey_keys.parse("Space")


def _grab() -> hotkey_portal.PortalGrab:
    return hotkey_portal.PortalGrab(
        frozenset({"ctrl"}),
        "Space",
        lambda: None,
        report=lambda *_: None,
        name="quick",
        description="Quick ask",
    )


class _User32:
    """Windows' hot-key calls as they behave: a registration, a message queue per
    thread, WM_QUIT ending GetMessage."""

    def __init__(self, error: int = 0) -> None:
        self.error = error
        self.registered: tuple[int, int] | None = None
        self.messages: list[int] = []
        self.arrived = threading.Condition()
        self.unregistered = False

    def thread_id(self) -> int:
        return threading.get_ident()

    def register(self, modifiers: int, key: int) -> int:
        if not self.error:
            self.registered = (modifiers, key)
        return self.error

    def unregister(self) -> None:
        self.unregistered = True

    def next_message(self) -> int | None:
        with self.arrived:
            self.arrived.wait_for(lambda: bool(self.messages))
            message = self.messages.pop(0)
        return None if message == hotkey_windows.WM_QUIT else message

    def post(self, message: int) -> None:
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify()

    def quit(self, _thread_id: int) -> None:
        self.post(hotkey_windows.WM_QUIT)


def test_windows_registers_the_keys_and_reads_its_messages() -> None:
    user32, pressed = _User32(), threading.Event()
    grab = hotkey_windows.WindowsGrab(frozenset({"ctrl", "alt"}), "Space", pressed.set,
                                      api=user32)  # fmt: skip
    assert grab.start() == ""
    assert user32.registered == (0x2 | 0x1 | 0x4000, 0x20)  # Ctrl, Alt, no repeat; Space
    user32.post(0x0100)  # some other message
    user32.post(hotkey_windows.WM_HOTKEY)
    assert pressed.wait(5)
    grab.stop()
    assert user32.unregistered


def test_windows_says_when_another_program_holds_the_keys() -> None:
    user32 = _User32(error=hotkey_windows.ERROR_HOTKEY_ALREADY_REGISTERED)
    grab = hotkey_windows.WindowsGrab(frozenset({"ctrl"}), "Space", lambda: None, api=user32)
    assert grab.start() == hotkey_keys.TAKEN
    grab.stop()
    assert hotkey_windows.WindowsGrab(frozenset({"ctrl"}), "§", lambda: None).start() != ""
