"""The window's matter actions: the switcher's entries, New matter…, Manage matters…,
handing a matter over (export, import: background jobs in the status area) and the
retention pass (at start and once a day).

Opening another matter closes the window and opens one on that matter
(``application._session``: the App and its loaded model stay), so no page can hold a
service of the matter it left."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.passphrases import check_passphrase
from hushdesk.services.handover import Imported
from hushdesk.services.matters import Matter
from hushdesk.services.retention import Pruned
from hushdesk.ui import file_dialogs
from hushdesk.ui.message_box import confirm, tell
from hushdesk.ui.messages import ask_secret, error_text
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.matter_switcher import MatterSwitcher
from hushdesk.ui.widgets.matters_dialog import MattersDialog, NewMatterDialog

SWITCH = "matter:"  # how a window that opens another matter ends (application._session)
ARCHIVES = "Hushdesk matter (*.hdm)"
DAY_MS = 24 * 3600 * 1000


class MatterActions(QObject):
    conversationsChanged = Signal()  # went (retention) or came (an import): lists refresh

    def __init__(
        self,
        app: App,
        tasks: Tasks,
        window: QWidget,
        switcher: MatterSwitcher,
        *,
        switch: Callable[[str], None],
        said: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self.app, self.tasks, self.window, self.switcher = app, tasks, window, switcher
        self._switch, self._said = switch, said
        self._dialog: MattersDialog | None = None
        switcher.switchRequested.connect(switch)
        switcher.newRequested.connect(self.new_matter)
        switcher.manageRequested.connect(self.manage)
        self._daily = QTimer(self, interval=DAY_MS)
        self._daily.timeout.connect(self.apply_retention)
        self.refresh()

    def refresh(self) -> None:
        matters = self.app.matters.list()
        self.several = len(matters) > 1  # the window's title names the matter then
        self.switcher.show_matters(matters, self.app.matter.id)

    # -- new, manage, open ------------------------------------------------------------------

    def new_matter(self) -> None:
        dialog = NewMatterDialog(self.app.matters, self._parent())
        if dialog.exec() and dialog.made is not None:
            self.refresh()
            self._switch(dialog.made.id)  # new work lands in the matter just made

    def manage(self) -> None:
        dialog = MattersDialog(self.app.matters, self.app.matter.id, self.window)
        self._dialog = dialog

        def then(action: Callable[[], None]) -> None:
            dialog.accept()
            action()

        dialog.openRequested.connect(lambda matter_id: then(lambda: self._switch(matter_id)))
        dialog.newRequested.connect(lambda: then(self.new_matter))
        dialog.exportRequested.connect(self.export)
        dialog.importRequested.connect(self.import_archive)
        dialog.chatgptRequested.connect(self.import_chatgpt)
        dialog.changed.connect(self._changed)
        try:
            dialog.exec()
        finally:
            self._dialog = None
        self.refresh()

    def _changed(self) -> None:
        self.app.refresh_matter()  # the open one may have been renamed, closed, instructed
        self.refresh()
        self._said("")

    def _parent(self) -> QWidget:
        return self._dialog if self._dialog is not None else self.window

    # -- handing over -------------------------------------------------------------------------

    def export(self, matter_id: str) -> None:
        matter = next((m for m in self.app.matters.list() if m.id == matter_id), None)
        if matter is None:
            return
        parent = self._parent()
        target = file_dialogs.save_file(parent, "Export matter", f"{matter.name}.hdm", ARCHIVES)
        secret = self._new_secret(parent, matter) if target else None
        if not target or secret is None:
            return
        out = Path(target if target.endswith(".hdm") else f"{target}.hdm")
        self.tasks.run(
            lambda cancel, progress, **_: self.app.export_matter(
                matter.id, out, secret, cancel=cancel, progress=progress
            ),
            job_args=True,
            title=f"Exporting “{matter.name}”",
            on_result=lambda _out: self._said(f"Exported “{matter.name}” to {out}."),
            on_error=lambda e: self._said(f"⚠ {error_text(e)}"),
        )

    def _new_secret(self, parent: QWidget, matter: Matter) -> str | None:
        first = ask_secret(
            parent,
            "Archive passphrase",
            f"A passphrase for the archive of “{matter.name}” (8 characters or more). "
            "Whoever imports it needs it; it is not your Hushdesk passphrase.",
        )
        if first is None:
            return None
        try:
            check_passphrase(first)
        except HushdeskError as exc:
            tell(parent, "Archive passphrase", f"{exc.message} Nothing was written.")
            return None
        if ask_secret(parent, "Archive passphrase", "The same passphrase again:") != first:
            tell(parent, "Archive passphrase", "The two do not match: nothing was written.")
            return None
        return first

    def import_archive(self) -> None:
        parent = self._parent()
        chosen = file_dialogs.open_file(parent, "Import matter", str(Path.home()), ARCHIVES)
        if not chosen:
            return
        secret = ask_secret(parent, "Archive passphrase", f"The passphrase of {Path(chosen).name}:")
        if secret is None:
            return

        def imported(done: Imported) -> None:
            matter = done.matter
            self.refresh()
            if self._dialog is not None:
                self._dialog.refresh(matter.id)
            taken = f" (“{done.renamed_from}” was taken)" if done.renamed_from else ""
            question = f"“{matter.name}” was imported{taken}. Open it now?"
            if confirm(self.window, "Matter imported", question, "Open it", cancel="Later"):
                self._switch(matter.id)

        self.tasks.run(
            lambda cancel, progress, **_: self.app.import_matter(
                Path(chosen), secret, cancel=cancel, progress=progress
            ),
            job_args=True,
            title="Importing a matter",
            on_result=imported,
            on_error=lambda e: tell(parent, "Import matter", error_text(e)),
        )

    def import_chatgpt(self) -> None:
        """ChatGPT's export (conversations.json) into the open matter."""
        parent = self._parent()
        chosen = file_dialogs.open_file(
            parent, "Import ChatGPT chats", str(Path.home()), "ChatGPT export (*.json)"
        )
        if not chosen:
            return

        def added(count: int) -> None:
            self._said(f"Imported {count} conversations into “{self.app.matter.name}”.")
            self.conversationsChanged.emit()

        self.tasks.run(
            lambda: self.app.conversations.import_chatgpt(Path(chosen)),
            title="Importing ChatGPT chats",
            on_result=added,
            on_error=lambda e: tell(parent, "Import ChatGPT chats", error_text(e)),
        )

    # -- retention ------------------------------------------------------------------------------

    def apply_retention(self) -> None:
        """Every matter's retention, now and then once a day; what went is said."""
        self._daily.start()

        def said(pruned: list[Pruned]) -> None:
            if pruned:
                went = "; ".join(p.describe() for p in pruned)
                self._said(f"Deleted under retention: {went}.")
                self.conversationsChanged.emit()

        self.tasks.run(
            self.app.apply_retention,
            on_result=said,
            on_error=lambda e: self._said(f"⚠ {error_text(e)}"),
        )
