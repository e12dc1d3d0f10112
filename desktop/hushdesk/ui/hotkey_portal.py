"""The global shortcut on Wayland: the desktop portal's GlobalShortcuts interface
(``org.freedesktop.portal.GlobalShortcuts``), spoken over the session bus with jeepney
(pure Python, maintained, already here through keyring) on a thread of our own.

Wayland gives no program keys of its own: the program names a shortcut and proposes
keys, and the desktop binds it — it may ask the user first (GNOME shows a dialog) and
may bind other keys, which are reported back (``bound_to``). The answer can come long
after ``start`` returned, so it arrives through ``report``. A desktop without the portal,
or without its GlobalShortcuts part, gets the advice to bind ``hushdesk quick`` by hand.

Only a unix-socket bus is spoken to (jeepney speaks no other transport): the session
bus is a local socket, never the network.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from typing import Any

from hushdesk.ui.hotkey_keys import Activated, Report, keysym

BUS_NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
INTERFACE = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
SESSION = "org.freedesktop.portal.Session"
CALL_TIMEOUT_S = 5.0
_MODIFIERS = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "meta": "LOGO"}
NO_PORTAL = (
    "This desktop has no global-shortcuts portal: bind the commands `hushdesk quick` and "
    "`hushdesk selection` to keys in your system's keyboard settings."
)


def trigger(modifiers: frozenset[str], key: str) -> str:
    """The XDG shortcuts notation the portal takes as the preferred keys: CTRL+ALT+space."""
    order = ["ctrl", "alt", "shift", "meta"]
    return "+".join([*(_MODIFIERS[m] for m in order if m in modifiers), keysym(key)])


class PortalGrab:
    def __init__(
        self,
        modifiers: frozenset[str],
        key: str,
        activated: Activated,
        *,
        report: Report,
        name: str,
        description: str,
    ) -> None:
        self.trigger = trigger(modifiers, key)
        self.activated, self.report = activated, report
        self.name, self.description = name, description
        self.problem = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="hotkey-portal",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        ready.wait(CALL_TIMEOUT_S + 1)
        return self.problem

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)

    def _run(self, ready: threading.Event) -> None:
        from jeepney import DBusAddress, DBusErrorResponse, MatchRule
        from jeepney.io.blocking import open_dbus_connection

        try:
            connection = open_dbus_connection(bus="SESSION")
        except (KeyError, OSError, RuntimeError, TimeoutError, ValueError):
            self.problem = NO_PORTAL
            ready.set()
            return
        portal = DBusAddress(PATH, bus_name=BUS_NAME, interface=INTERFACE)
        activated = MatchRule(type="signal", interface=INTERFACE, member="Activated", path=PATH)
        try:
            with connection, connection.filter(activated, bufsize=16) as presses:
                _add_match(connection, activated)
                created = self._request(
                    connection, portal, "CreateSession", "", [],
                    options={"session_handle_token": ("s", _token())},
                )  # fmt: skip
                if created is None:
                    return
                session = str(created["session_handle"][1])
                ready.set()  # the desktop may now ask the user: that answer comes later
                shortcut = {"description": ("s", self.description),
                            "preferred_trigger": ("s", self.trigger)}  # fmt: skip
                bound = self._request(
                    connection, portal, "BindShortcuts", "oa(sa{sv})s",
                    [session, [(self.name, shortcut)], ""], wait=None,
                )  # fmt: skip
                if bound is not None:
                    self.report("", _bound_to(bound, self.name))
                    self._listen(connection, presses, session)
                _close(connection, DBusAddress(session, bus_name=BUS_NAME, interface=SESSION))
        except DBusErrorResponse as exc:
            self.problem = NO_PORTAL if "Unknown" in str(exc.name) else (
                f"The desktop's portal refused the global shortcut ({exc.name})."
            )  # fmt: skip
        except (OSError, TimeoutError, ConnectionError, KeyError, IndexError) as exc:
            self.problem = f"The desktop's portal did not answer for the global shortcut ({exc})."
        finally:
            if ready.is_set() and self.problem:
                self.report(self.problem, "")
            ready.set()

    def _request(
        self,
        connection: Any,
        portal: Any,
        method: str,
        signature: str,
        body: list[Any],
        *,
        options: dict[str, Any] | None = None,
        wait: float | None = CALL_TIMEOUT_S,
    ) -> dict[str, Any] | None:
        """Call a portal method that answers through a Request object's Response signal;
        its results, or None with ``problem`` set (refused, or stopped meanwhile)."""
        from jeepney import MatchRule, new_method_call
        from jeepney.low_level import HeaderFields
        from jeepney.wrappers import unwrap_msg

        token = _token()
        sender = str(connection.unique_name).lstrip(":").replace(".", "_")
        handle = f"{PATH}/request/{sender}/{token}"
        rule = MatchRule(type="signal", interface=REQUEST, member="Response", path=handle)
        _add_match(connection, rule)
        with connection.filter(rule, bufsize=2) as answers:
            options = {"handle_token": ("s", token), **(options or {})}
            call = new_method_call(portal, method, signature + "a{sv}", (*body, options))
            unwrap_msg(connection.send_and_get_reply(call, timeout=CALL_TIMEOUT_S))
            waited = 0.0
            while not answers and not self._stop.is_set():
                if wait is not None and waited >= wait:
                    self.problem = "The desktop's portal did not answer."
                    return None
                try:
                    connection.recv_messages(timeout=0.25)
                except TimeoutError:
                    waited += 0.25
            if not answers:
                return None  # stopped meanwhile
            answer = answers.popleft()
        if answer.header.fields.get(HeaderFields.path) != handle:
            self.problem = "The desktop's portal answered something else."
            return None
        code, results = answer.body
        if code != 0:
            self.problem = (
                "The global shortcut was not allowed in the desktop's dialog: allow it in your "
                "system's settings, or bind `hushdesk quick` there."
            )
            return None
        return dict(results)

    def _listen(self, connection: Any, presses: Any, session: str) -> None:
        while not self._stop.is_set():
            try:
                connection.recv_messages(timeout=0.25)
            except TimeoutError:
                continue
            while presses:
                press = presses.popleft()
                if press.body[:2] == (session, self.name):
                    self.activated()  # a Qt signal's emit: queued to the GUI thread


def _token() -> str:
    return "hushdesk_" + secrets.token_hex(6)


def _add_match(connection: Any, rule: Any) -> None:
    from jeepney.bus_messages import message_bus

    connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT_S)


def _bound_to(results: dict[str, Any], name: str) -> str:
    """The keys the desktop bound the shortcut to, as it describes them ("" if unsaid)."""
    for shortcut_id, properties in results.get("shortcuts", ("", []))[1]:
        if shortcut_id == name and "trigger_description" in properties:
            return str(properties["trigger_description"][1])
    return ""


def _close(connection: Any, session: Any) -> None:
    from jeepney import new_method_call

    with contextlib.suppress(OSError):  # the session ends with the connection anyway
        connection.send(new_method_call(session, "Close"))
