"""The navigation rail: one button per page, icon over label, the current one marked.

Reached by mouse, by Tab (then the arrow keys move between pages) and by the window's
Ctrl+1 … Ctrl+N shortcuts; each button is named for screen readers."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QToolButton, QVBoxLayout, QWidget

from hushdesk.ui.icons import icon

WIDTH = 84


class NavRail(QWidget):
    currentRowChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rail")
        self.setAccessibleName("Pages")
        self.setFixedWidth(WIDTH)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idToggled.connect(self._toggled)
        self._buttons: list[QToolButton] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 10, 6, 10)
        self._layout.setSpacing(4)
        self._layout.addStretch(1)

    def add_page(self, title: str, icon_name: str, shortcut: str, description: str) -> None:
        button = rail_button(title, icon_name)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a click keeps the keyboard here
        button.setAccessibleName(title)
        button.setAccessibleDescription(f"{description} ({shortcut})")
        button.setToolTip(f"{title} ({shortcut}) — {description}")
        self._group.addButton(button, len(self._buttons))
        self._layout.insertWidget(len(self._buttons), button)
        self._buttons.append(button)

    def add_footer(self, button: QToolButton) -> None:
        """Below the pages, at the bottom (Help)."""
        self._layout.addWidget(button)

    # -- the QListWidget-like surface the window and the tests use -----------------------

    def count(self) -> int:
        return len(self._buttons)

    def item(self, row: int) -> QToolButton:
        return self._buttons[row]

    def currentRow(self) -> int:
        return self._group.checkedId()

    def setCurrentRow(self, row: int) -> None:
        self._buttons[row].setChecked(True)  # no signal when it is the current one

    def _toggled(self, row: int, checked: bool) -> None:
        if checked:
            self.currentRowChanged.emit(row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        if step is None or not self._buttons:
            super().keyPressEvent(event)
            return
        focused = next((i for i, b in enumerate(self._buttons) if b.hasFocus()), self.currentRow())
        row = (focused + step) % len(self._buttons)
        self._buttons[row].setFocus()
        self.setCurrentRow(row)


def rail_button(title: str, icon_name: str) -> QToolButton:
    button = QToolButton()
    button.setText(title)
    button.setIcon(icon(icon_name))
    button.setIconSize(QSize(22, 22))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    button.setAutoRaise(True)
    button.setFixedSize(WIDTH - 12, 58)
    return button
