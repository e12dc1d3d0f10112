"""The status area, on every page: background work (indexing, downloads, summaries)
with its progress and a word when it ends, the conversation's model and where it runs,
the local API while it serves, and the privacy state at a glance."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QMenu, QStatusBar, QToolButton

from hushdesk import privacy
from hushdesk.app import App
from hushdesk.endpoints import UNENCRYPTED_BADGE
from hushdesk.errors import HushdeskError
from hushdesk.jobs import Progress
from hushdesk.services.models import InstalledModel
from hushdesk.ui.icons import icon
from hushdesk.ui.local_api import LocalApi
from hushdesk.ui.tasks import Tasks

FINISHED_MS = 8000
ENDINGS = {"done": "finished", "failed": "stopped with an error", "cancelled": "was stopped"}


class StatusArea:
    """Widgets added to the window's status bar; the bar's own message line stays free
    for passing notes ("Exported to …")."""

    def __init__(self, app: App, tasks: Tasks, bar: QStatusBar) -> None:
        self.app, self.tasks, self.bar = app, tasks, bar
        self.jobs = _item("loader-circle", "Background jobs")
        self.jobs.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.jobs.setMenu(QMenu(self.jobs))
        self.jobs.hide()
        self.model = _item("hard-drive", "Model in use")
        self.api = _item("plug", "Local API")
        self.api.hide()
        self.privacy = _item("shield-check", "Privacy")
        for widget in (self.jobs, self.model, self.api, self.privacy):
            bar.addPermanentWidget(widget)
        tasks.activityChanged.connect(self.show_jobs)
        tasks.activityFinished.connect(self._finished)
        self.show_privacy()

    # -- what is shown --------------------------------------------------------------------

    def show_model(self, model: InstalledModel | None) -> None:
        """The conversation's model, and where its words are computed."""
        if model is None:
            self.model.setText("No chat model")
            return
        unencrypted = model.remote and self._unencrypted(str(model.details.get("connection")))
        badge = f" · ⚠ {UNENCRYPTED_BADGE}" if unencrypted else ""
        self.model.setText(f"{model.name} · on {model.where}{badge}")
        self.model.setToolTip(
            "The model that answers in this conversation. It runs on this computer: "
            "what you type is computed here."
            if not model.remote
            else f"The model that answers in this conversation runs on the server {model.where} "
            f"({model.details.get('connection')}): what you type in it is sent there"
            + (", unencrypted (plain http://): readable on the network on the way." if unencrypted
               else ".")
        )  # fmt: skip

    def _unencrypted(self, connection: str) -> bool:
        """Whether the server is reached over plain http:// to another computer."""
        try:
            return self.app.connections.get(connection).unencrypted
        except HushdeskError:  # removed meanwhile
            return False

    def show_api(self, api: LocalApi) -> None:
        """Shown while the local API serves (or could not start)."""
        if api.state in ("on", "failed"):
            self.api.setText(f"API on :{api.port}" if api.state == "on" else "API stopped")
            self.api.setToolTip(
                f"Programs on this computer can ask the model at {api.address} with the "
                "token in Settings."
                if api.state == "on"
                else api.problem
            )
            self.api.show()
        else:
            self.api.hide()

    def show_privacy(self) -> None:
        offline = privacy.guard_installed()
        methods = self.app.vault.methods()
        words = ["Offline" if offline else "Network guard off", "Encrypted"]
        self.privacy.setText(" · ".join(words))
        unlocks = ", ".join(methods) if methods else "this account"
        self.privacy.setToolTip(
            ("Nothing leaves this computer unless you start a model download. " if offline else "")
            + f"Your data is encrypted at rest and unlocks with: {unlocks}. "
            "Ctrl+Shift+L locks it now."
        )

    def show_jobs(self) -> None:
        running = self.tasks.activity()
        menu = self.jobs.menu()
        assert menu is not None
        menu.clear()
        if not running:
            self.jobs.hide()
            return
        for title, progress in running:
            action = menu.addAction(_describe(title, progress))
            action.setEnabled(False)
        title, progress = running[-1]
        more = f"  (+{len(running) - 1} more)" if len(running) > 1 else ""
        self.jobs.setText(_describe(title, progress) + more)
        self.jobs.setToolTip("Work running in the background; click for all of it.")
        self.jobs.show()

    def _finished(self, title: str, state: str) -> None:
        self.bar.showMessage(f"{title}: {ENDINGS.get(state, state)}.", FINISHED_MS)


def _item(icon_name: str, name: str) -> QToolButton:
    """Icon and text, flat; a click goes where it can be changed."""
    button = QToolButton()
    button.setAccessibleName(name)
    button.setAutoRaise(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setIcon(icon(icon_name))
    button.setIconSize(QSize(14, 14))
    return button


def _describe(title: str, progress: Progress | None, limit: int = 70) -> str:
    """ "Indexing documents · lease.pdf (2 of 9) · 40% · 1 min left", at most ``limit``
    characters (the stage may name a long file)."""
    text = progress.describe() if progress is not None else "starting…"
    line = f"{title} · {text}" if text else title
    return line if len(line) <= limit else line[: limit - 1] + "…"
