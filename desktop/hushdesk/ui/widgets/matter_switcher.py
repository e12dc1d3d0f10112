"""The matter switcher, first in the status area so it is always in view: it names the
open matter and its menu opens another, makes a new one or manages them
(Ctrl+Shift+M opens it)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from hushdesk.services.matters import Matter
from hushdesk.ui.icons import icon

NAME_CHARS = 32  # longer names are cut with "…" (the menu and the tooltip say them whole)


class MatterSwitcher(QToolButton):
    switchRequested = Signal(str)  # a matter's id
    newRequested = Signal()
    manageRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(icon("briefcase"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setAccessibleName("Matter")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMenu(QMenu(self))
        self.open_id = ""

    def show_matters(self, matters: list[Matter], open_id: str) -> None:
        self.open_id = open_id
        menu = self.menu()
        menu.clear()
        group = QActionGroup(menu)
        for matter in matters:
            name = matter.name + (" (closed)" if matter.closed else "")
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(matter.id == open_id)
            group.addAction(action)
            action.triggered.connect(lambda _=False, m=matter.id: self._chosen(m))
            if matter.id == open_id:
                self._name(matter)
        menu.addSeparator()
        menu.addAction(icon("plus"), "New matter…", self.newRequested.emit)
        menu.addAction("Manage matters…", self.manageRequested.emit)

    def _name(self, matter: Matter) -> None:
        name = matter.name if len(matter.name) <= NAME_CHARS else matter.name[:NAME_CHARS] + "…"
        closed = " · closed" if matter.closed else ""
        self.setText(f"{name}{closed}")
        self.setToolTip(
            f"Matter: {matter.name}{closed}. Only its conversations, libraries, summaries "
            "and drafts are in view. Click to open another (Ctrl+Shift+M)."
        )
        self.setAccessibleDescription(f"Open matter: {matter.name}")

    def _chosen(self, matter_id: str) -> None:
        if matter_id != self.open_id:
            self.switchRequested.emit(matter_id)
