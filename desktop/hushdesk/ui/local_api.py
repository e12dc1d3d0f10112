"""The local API served by the window (Settings → Local API): on 127.0.0.1, over the
window's own ``App``, so a script's answers take turns with the user's chats on the one
model. It starts and stops on a worker (the import and the bind take a moment); what
was asked last wins, whatever was still starting or stopping meanwhile."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QObject, Signal

from hushdesk.app import App
from hushdesk.ui.messages import error_text
from hushdesk.ui.tasks import Tasks

if TYPE_CHECKING:
    from hushdesk.api.serving import Background

State = Literal["off", "starting", "on", "failed"]


class LocalApi(QObject):
    changed = Signal()  # state, address or token changed

    def __init__(self, app: App, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.state: State = "off"
        self.problem = ""  # why it could not start
        self._serving: Background | None = None  # set on the worker, under the lock
        self._lock = threading.Lock()
        self._working = False
        self._closed = False

    # -- what the user sees ---------------------------------------------------------------

    @property
    def wanted(self) -> bool:
        return self.app.preferences.api_serving[0]

    @property
    def port(self) -> int:
        return self.app.preferences.api_serving[1]

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def token(self) -> str:
        return self.app.preferences.api_token()

    # -- what the user asks ---------------------------------------------------------------

    def set_serving(self, on: bool, port: int | None = None) -> None:
        """Serve (or not), on ``port``; remembered for the next start."""
        self.app.preferences.set_api_serving(on, self.port if port is None else port)
        self.problem = ""
        self._reconcile()

    def new_token(self) -> str:
        """A new token: clients need it from now on (a running server is restarted)."""
        token = self.app.preferences.api_token(new=True)
        self._reconcile()
        self.changed.emit()
        return token

    def resume(self) -> None:
        """At start-up: serve again if the user left it on."""
        if self.wanted:
            self._reconcile()

    def close(self) -> None:
        """The window closes: stop serving now (requests in progress are stopped)."""
        with self._lock:
            self._closed = True
            serving, self._serving = self._serving, None
        if serving is not None:
            serving.stop()

    # -- making it so ---------------------------------------------------------------------

    def _reconcile(self) -> None:
        """Start, stop or restart until what runs is what was asked for."""
        if self._working or self._closed:
            return
        serving, token = self._serving, self.token()
        want = self.wanted and not self.problem
        if serving is not None and want and (serving.port, serving.token) == (self.port, token):
            self._set("on")
            return
        if serving is None and not want:
            self._set("failed" if self.problem else "off")
            return
        self._working = True
        self._set("starting" if want else "off")
        port = self.port

        def work() -> None:
            from hushdesk.api.serving import Background

            if serving is not None:
                serving.stop()
                self._serving = None
            if not want:
                return
            started = Background(self.app, port, token)
            started.start()
            with self._lock:
                if not self._closed:
                    self._serving = started
                    return
            started.stop()  # the window closed while it started

        def failed(exc: BaseException) -> None:
            self.problem = error_text(exc)

        self.tasks.run(work, on_error=failed, on_finished=self._done)

    def _done(self) -> None:
        self._working = False
        self._reconcile()

    def _set(self, state: State) -> None:
        self.state = state
        self.changed.emit()
