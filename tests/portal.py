"""A private D-Bus session bus (a real ``dbus-daemon``) and a stand-in for the desktop
portal's GlobalShortcuts interface on it, spoken with jeepney as the app speaks it: the
Wayland global-shortcut path tested without a Wayland desktop."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jeepney import DBusAddress, MessageType, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.low_level import HeaderFields

from hushdesk.ui.hotkey_portal import BUS_NAME, INTERFACE, PATH, REQUEST

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextlib.contextmanager
def session_bus() -> Iterator[str]:
    """A dbus-daemon of our own (no services it could start); yields its address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:  # .ci/run installs it
        raise RuntimeError("dbus-daemon is not installed: apt-get install dbus-daemon")
    with tempfile.TemporaryDirectory(prefix="hd-bus-", dir="/tmp") as folder:
        config = Path(folder, "bus.conf")
        config.write_text(_CONFIG.format(socket=Path(folder, "bus")), encoding="utf-8")
        process = subprocess.Popen(
            [daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip()
        finally:
            process.terminate()
            process.wait(10)
            if process.stdout is not None:
                process.stdout.close()


class FakePortal(threading.Thread):
    """Answers CreateSession and BindShortcuts as xdg-desktop-portal does (a Request
    object's Response signal), binding to ``trigger`` or refusing (``answer`` 1, as when
    the user says no); ``press()`` sends Activated for the bound shortcut."""

    def __init__(self, address: str, answer: int = 0, trigger: str = "Ctrl+Alt+Space") -> None:
        super().__init__(daemon=True, name="fake-portal")
        self.address, self.answer, self.trigger = address, answer, trigger
        self.ready, self.closed, self._stop_now = threading.Event(), threading.Event(), False
        self.session = ""
        self.bound: list[Any] = []
        self._presses: list[str] = []

    def press(self, shortcut_id: str = "quick") -> None:
        self._presses.append(shortcut_id)

    def stop(self) -> None:
        self._stop_now = True
        self.join(5)

    def run(self) -> None:
        with open_dbus_connection(bus=self.address) as bus:
            bus.send_and_get_reply(message_bus.RequestName(BUS_NAME), timeout=5)
            self.ready.set()
            while not self._stop_now:
                while self._presses:
                    activated = new_signal(DBusAddress(PATH, interface=INTERFACE), "Activated",
                                           "osta{sv}", (self.session, self._presses.pop(0), 0,
                                                        {}))  # fmt: skip
                    bus.send(activated)
                try:
                    message = bus.receive(timeout=0.1)
                except TimeoutError:
                    continue
                if message.header.message_type == MessageType.method_call:
                    self._answer(bus, message)

    def _answer(self, bus: Any, message: Any) -> None:
        member = message.header.fields.get(HeaderFields.member)
        if member == "Close":
            self.closed.set()
            bus.send(new_method_return(message))
            return
        options = message.body[-1]
        sender = str(message.header.fields[HeaderFields.sender]).lstrip(":").replace(".", "_")
        handle = f"{PATH}/request/{sender}/{options['handle_token'][1]}"
        bus.send(new_method_return(message, "o", (handle,)))
        results: dict[str, tuple[str, Any]]
        if member == "CreateSession":
            self.session = f"{PATH}/session/{sender}/{options['session_handle_token'][1]}"
            code, results = 0, {"session_handle": ("s", self.session)}
        else:
            self.bound.extend(message.body[1])
            shortcuts = [(name, {"description": properties["description"],
                                 "trigger_description": ("s", self.trigger)})
                         for name, properties in message.body[1]]  # fmt: skip
            code, results = self.answer, {"shortcuts": ("a(sa{sv})", shortcuts)}
        response = new_signal(DBusAddress(handle, interface=REQUEST), "Response", "ua{sv}",
                              (code, results))  # fmt: skip
        bus.send(response)
