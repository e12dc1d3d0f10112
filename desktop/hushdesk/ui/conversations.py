"""What the conversation list asks for: a new chat, open, rename, pin, delete (with undo),
export, search, and the quick switcher (Ctrl+K).

The list (`widgets/conversation_list.py`) only shows conversations and asks; this controller
calls the conversations service and keeps the chat page, the list and the conversation to
reopen at the next start in step."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.services.conversations import Conversations
from hushdesk.ui import file_dialogs
from hushdesk.ui.chat_page import ChatPage
from hushdesk.ui.message_box import confirm, tell
from hushdesk.ui.messages import ask_item, error_text
from hushdesk.ui.pdf import markdown_pdf
from hushdesk.ui.widgets.conversation_list import ConversationList

CHAT_FORMATS = "Markdown (*.md);;Word (*.docx);;PDF (*.pdf);;JSON (*.json)"

UNDO_MS = 10_000


class ConversationActions(QObject):
    """A deleted conversation can be restored from the status bar's Undo until the next
    delete, the window closing or UNDO_MS; then it is purged. ``show_chat`` brings the
    chat page into view."""

    def __init__(
        self,
        app: App,
        sidebar: ConversationList,
        chat: ChatPage,
        window: QMainWindow,
        show_chat: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self._window = window  # the parent of the dialogs; its status bar tells what happened
        self.app = app
        self.conversations = app.conversations
        self.preferences = app.preferences
        self.sidebar = sidebar
        self.chat = chat
        self._show_chat = show_chat
        self.undo = QPushButton("Undo")
        self.undo.setAccessibleName("Undo delete")
        self.undo.hide()  # the window puts it in its status bar
        self._deleted: int | None = None
        self.purge_timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self.purge_timer.timeout.connect(self.purge)
        self.undo.clicked.connect(self.undo_delete)
        sidebar.activated.connect(self.open)
        sidebar.newRequested.connect(self.new_chat)
        sidebar.temporaryRequested.connect(self.new_temporary_chat)
        sidebar.renameRequested.connect(self.rename)
        sidebar.pinRequested.connect(self.toggle_pin)
        sidebar.exportRequested.connect(self.export)
        sidebar.moveRequested.connect(self.move)
        sidebar.deleteRequested.connect(self.delete)
        chat.conversationChanged.connect(self._saved)

    def new_chat(self, *, temporary: bool = False) -> None:
        self._show_chat()
        self.chat.open_conversation(None, temporary=temporary)
        self._remember(None)
        self.sidebar.refresh(select=None)

    def new_temporary_chat(self) -> None:
        """A chat that is never written to disk (Ctrl+Shift+N)."""
        self.new_chat(temporary=True)

    def open(self, conversation_id: int, find: str = "") -> None:
        """Open a conversation; ``find`` (a search from the list) is scrolled to."""
        self._show_chat()
        if conversation_id == self.chat.conversation_id and not find:
            return  # a click and an activation of the same item
        self.chat.open_conversation(conversation_id)
        self._remember(conversation_id)
        if find:
            self.chat.view.moveCursor(self.chat.view.textCursor().MoveOperation.Start)
            self.chat.view.find(find.split(maxsplit=1)[0])

    def focus_search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def quick_switch(self) -> None:
        dialog = QuickSwitcher(self.conversations, self._window)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            self.open(dialog.chosen)
            self.sidebar.refresh(select=dialog.chosen)

    def rename(self, conversation_id: int) -> None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return
        title, ok = QInputDialog.getText(
            self._window, "Rename chat", "Title:", text=conversation.title
        )
        if ok and title.strip():
            self.conversations.rename(conversation_id, title)
            self._after_change(conversation_id)

    def toggle_pin(self, conversation_id: int) -> None:
        self.conversations.toggle_pin(conversation_id)
        self._after_change(conversation_id)

    def delete(self, conversation_id: int) -> None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return
        self.purge()  # one undo at a time
        self.conversations.delete(conversation_id)
        self._deleted = conversation_id
        self.undo.show()
        self._window.statusBar().showMessage(f"Deleted “{conversation.title}”.", UNDO_MS)
        self.purge_timer.start()
        if self.chat.conversation_id == conversation_id:
            self.chat.open_conversation(None)
        self.sidebar.refresh()

    def undo_delete(self) -> None:
        if self._deleted is not None:
            self.conversations.undelete(self._deleted)
            self._window.statusBar().showMessage("Restored.", 3000)
            self._after_change(self._deleted)
        self._deleted = None
        self.undo.hide()
        self.purge_timer.stop()

    def purge(self) -> None:
        """The deleted conversation is gone for good (the undo is over)."""
        if self._deleted is not None:
            self.conversations.purge()
        self._deleted = None
        self.undo.hide()

    def export(self, conversation_id: int) -> None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return
        name = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", conversation.title).strip(" .") or "chat"
        suggested = str(Path.home() / f"{name}.md")
        path = file_dialogs.save_file(self._window, "Export chat", suggested, CHAT_FORMATS)
        if not path:
            return
        try:
            if path.lower().endswith(".pdf"):
                self._pdf(conversation_id, Path(path))
            else:
                thinking = self.conversations.thought(conversation_id) and confirm(
                    self._window, "Export chat", "Include the model's thinking?", "Include it",
                    cancel="Leave it out",
                    detail="Its answers came with a reasoning model's thinking, shown folded "
                    "in the chat. It is left out of exports unless you include it here.",
                )  # fmt: skip
                self.conversations.export(conversation_id, Path(path), thinking=thinking)
        except HushdeskError as exc:
            tell(self._window, "Export failed", error_text(exc))
        else:
            self._window.statusBar().showMessage(f"Exported to {path}", 5000)

    def move(self, conversation_id: int) -> None:
        """To another matter, asked first (it leaves this one)."""
        conversation = self.conversations.get(conversation_id)
        others = [m for m in self.app.matters.list() if m.id != self.app.matter.id]
        if conversation is None:
            return
        if not others:
            tell(self._window, "Move to matter", "There is no other matter yet: make one first "
                 "(the matter menu in the status bar).", "info")  # fmt: skip
            return
        names = [m.name for m in others]
        chosen = ask_item(self._window, "Move to matter", "Move this conversation to:", names)
        if chosen is None:
            return
        target = others[names.index(chosen)]
        question = (
            f"Move “{conversation.title}” from “{self.app.matter.name}” to “{target.name}”? "
            f"It will be seen only there, with {target.name}'s libraries."
        )
        if not confirm(self._window, "Move to matter", question, "Move it", cancel="Keep it here"):
            return
        try:
            self.app.move_conversation(conversation_id, target.id)
        except HushdeskError as exc:
            tell(self._window, "Could not move it", error_text(exc))
            return
        if self.chat.conversation_id == conversation_id:
            self.new_chat()
        self.sidebar.refresh(select=self.chat.conversation_id)
        self._window.statusBar().showMessage(f"Moved to “{target.name}”.", 5000)

    def _pdf(self, conversation_id: int, path: Path) -> None:
        """The Markdown export, laid out and printed by Qt (its sources included)."""
        conversation = self.conversations.get(conversation_id)
        title = conversation.title if conversation else "Chat"
        markdown_pdf(self.conversations.as_text(conversation_id), title, path)

    def _saved(self, conversation_id: int) -> None:
        self.sidebar.refresh(select=conversation_id)
        self._remember(conversation_id)

    def _remember(self, conversation_id: int | None) -> None:
        """Reopen where the user was, even after a crash."""
        self.preferences.remember_conversation(conversation_id)

    def _after_change(self, conversation_id: int) -> None:
        self.sidebar.refresh(select=self.chat.conversation_id)
        if self.chat.conversation_id == conversation_id:
            self.chat.title.setText(self.conversations.title(self.chat.chat))


class QuickSwitcher(QDialog):
    """Ctrl+K: type to filter conversations by title, Enter to open."""

    def __init__(self, conversations: Conversations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Switch conversation")
        self.chosen: int | None = None
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter conversations")
        self.filter.setPlaceholderText("Type to filter…")
        self.list = QListWidget()
        self.list.setAccessibleName("Matching conversations")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self._all = [(c.id, c.title) for c in conversations.all()]
        self.filter.textChanged.connect(self._fill)
        self.filter.returnPressed.connect(self._accept_current)
        self.list.itemActivated.connect(lambda _item: self._accept_current())
        self._fill("")
        self.resize(420, 360)

    def _fill(self, text: str) -> None:
        self.list.clear()
        needle = text.casefold()
        for conversation_id, title in self._all:
            if needle in title.casefold():
                item = QListWidgetItem(title)
                item.setData(Qt.ItemDataRole.UserRole, conversation_id)
                self.list.addItem(item)
        self.list.setCurrentRow(0)

    def _accept_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen = int(item.data(Qt.ItemDataRole.UserRole))
            self.accept()
