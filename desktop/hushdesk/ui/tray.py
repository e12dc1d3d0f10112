"""The tray (menu-bar) icon: open the window, Quick ask, lock now, the background work in
progress, quit. With "keep running in the tray" on (Settings → Quick ask), closing the
window hides it: the local API keeps serving and the global shortcut keeps working, and
the tray's Quit ends Hushdesk. Where the desktop has no tray, nothing changes: closing
the window quits, as before."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from hushdesk.ui.tasks import Tasks

FIRST_HIDE_MS = 6000


class Tray(QObject):
    def __init__(
        self,
        tasks: Tasks,
        *,
        show: Callable[[], None],
        quick: Callable[[], None],
        lock: Callable[[], None],
        quit_: Callable[[], None],
    ) -> None:
        super().__init__()
        self.tasks = tasks
        self.icon = QSystemTrayIcon(QGuiApplication.windowIcon(), self)
        self.icon.setToolTip("Hushdesk")
        self.menu = QMenu()
        self.menu.addAction("Open Hushdesk", show)
        self.menu.addAction("Quick ask…", quick)
        self.menu.addAction("Lock now", lock)
        self.menu.addSeparator()
        self.work = QAction("No work in progress", self.menu)
        self.work.setEnabled(False)
        self.menu.addAction(self.work)
        self.menu.addSeparator()
        self.menu.addAction("Quit Hushdesk", quit_)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(
            lambda reason: show() if reason == QSystemTrayIcon.ActivationReason.Trigger else None
        )
        tasks.activityChanged.connect(self.show_work)
        self._told = False

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        if self.available():
            self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def show_work(self) -> None:
        running = self.tasks.activity()
        if not running:
            self.work.setText("No work in progress")
        else:
            title, progress = running[-1]
            more = f" (+{len(running) - 1} more)" if len(running) > 1 else ""
            said = progress.describe() if progress is not None else "starting…"
            self.work.setText(f"{title} · {said}{more}"[:80])
        self.icon.setToolTip("Hushdesk" + (f" — {self.work.text()}" if running else ""))

    def hidden_to_tray(self) -> None:
        """Said once a session: the window went, Hushdesk did not."""
        if not self._told:
            self._told = True
            self.icon.showMessage(
                "Hushdesk is still running",
                "Open it, or Quick ask, from this icon. Quit from its menu.",
                QSystemTrayIcon.MessageIcon.Information,
                FIRST_HIDE_MS,
            )
