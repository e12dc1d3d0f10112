"""The sidebar's conversation list, with full-text search over every message."""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.conversations import Conversations, SearchHit
from hushdesk.ui.icons import icon
from hushdesk.ui.widgets.rich_text_delegate import RICH_TEXT_ROLE, RichTextDelegate

ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationList(QWidget):
    activated = Signal(int, str)  # conversation id, search text to find in it ("" if none)
    newRequested = Signal()
    temporaryRequested = Signal()
    renameRequested = Signal(int)
    pinRequested = Signal(int)
    exportRequested = Signal(int)
    moveRequested = Signal(int)  # to another matter
    deleteRequested = Signal(int)

    def __init__(self, conversations: Conversations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conversations = conversations
        self.new_button = QPushButton("New chat")
        self.new_button.setAccessibleName("New chat")
        self.new_button.setToolTip("New chat (Ctrl+N)")
        self.temporary_button = QToolButton()
        self.temporary_button.setIcon(icon("eye-off"))
        self.temporary_button.setAccessibleName("New temporary chat")
        self.temporary_button.setToolTip("New temporary chat: never written to disk (Ctrl+Shift+N)")
        self.search = QLineEdit()
        self.search.setAccessibleName("Search conversations")
        self.search.setPlaceholderText("Search all chats (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setToolTip("Enter opens · F2 renames · Ctrl+P pins · Ctrl+E exports · Delete")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setItemDelegate(RichTextDelegate(self.list))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_button, 1)
        new_row.addWidget(self.temporary_button)
        layout.addLayout(new_row)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._open_first)
        self.new_button.clicked.connect(self.newRequested)
        self.temporary_button.clicked.connect(self.temporaryRequested)
        self.list.itemActivated.connect(self._open)
        self.list.itemClicked.connect(self._open)
        self.list.customContextMenuRequested.connect(self._menu)
        self._current: int | None = None
        for keys, action in (
            ("F2", self.renameRequested),
            ("Delete", self.deleteRequested),
            ("Ctrl+E", self.exportRequested),
            ("Ctrl+P", self.pinRequested),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda signal=action: self._on_current(signal))
        menu_key = QShortcut(QKeySequence("Shift+F10"), self.list)
        menu_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        menu_key.activated.connect(self._menu_for_current)

    def _on_current(self, signal: Signal) -> None:
        item = self.list.currentItem()
        if item is not None and item.data(ID_ROLE) is not None:
            signal.emit(int(item.data(ID_ROLE)))  # type: ignore[attr-defined]

    def _menu_for_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._menu(self.list.visualItemRect(item).center())

    def refresh(self, select: int | None = None) -> None:
        if select is not None:
            self._current = select
        query = self.search.text().strip()
        self.list.blockSignals(True)
        self.list.clear()
        if query:
            shown: set[int] = set()
            for hit in self.conversations.search(query):
                if hit.conversation_id in shown:
                    continue  # one line per conversation: its best match
                shown.add(hit.conversation_id)
                item = QListWidgetItem(f"{hit.title}\n{hit.snippet}")
                item.setData(RICH_TEXT_ROLE, _hit_html(hit))
                item.setData(ID_ROLE, hit.conversation_id)
                item.setToolTip(hit.snippet)
                self.list.addItem(item)
            if not self.list.count():
                empty = QListWidgetItem("No matches")
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                self.list.addItem(empty)
        else:
            for conversation in self.conversations.all():
                label = ("★ " if conversation.pinned else "") + conversation.title
                item = QListWidgetItem(label)
                item.setData(ID_ROLE, conversation.id)
                self.list.addItem(item)
                if conversation.id == self._current:
                    self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def ids(self) -> list[int]:
        return [
            int(self.list.item(i).data(ID_ROLE))
            for i in range(self.list.count())
            if self.list.item(i).data(ID_ROLE) is not None
        ]

    def _open(self, item: QListWidgetItem) -> None:
        conversation_id = item.data(ID_ROLE)
        if conversation_id is not None:
            self._current = int(conversation_id)
            self.activated.emit(int(conversation_id), self.search.text().strip())

    def _open_first(self) -> None:
        if self.list.count():
            self._open(self.list.item(0))

    def _menu(self, point: QPoint) -> None:
        item = self.list.itemAt(point)
        if item is None or item.data(ID_ROLE) is None:
            return
        conversation_id = int(item.data(ID_ROLE))
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.renameRequested.emit(conversation_id))
        menu.addAction(
            "Unpin" if conversation.pinned else "Pin",
            lambda: self.pinRequested.emit(conversation_id),
        )
        menu.addAction("Export…", lambda: self.exportRequested.emit(conversation_id))
        menu.addAction("Move to matter…", lambda: self.moveRequested.emit(conversation_id))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.deleteRequested.emit(conversation_id))
        menu.exec(self.list.viewport().mapToGlobal(point))
        menu.deleteLater()


def _hit_html(hit: SearchHit) -> str:
    """The conversation's title, then the snippet with the search words in bold."""
    parts, shown = [], 0
    for start, end in hit.matches:
        parts += [
            html.escape(hit.snippet[shown:start]),
            f"<b>{html.escape(hit.snippet[start:end])}</b>",
        ]
        shown = end
    parts.append(html.escape(hit.snippet[shown:]))
    return f"<b>{html.escape(hit.title)}</b><br>{''.join(parts)}"
