"""The main window: the navigation rail, the page in view (the chat page with its
conversation list beside it), and the status area (model, privacy, background jobs)."""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk import APP_NAME, __version__, assets
from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.services.conversations import Conversations
from hushdesk.ui import file_dialogs
from hushdesk.ui.chat_page import ChatPage
from hushdesk.ui.local_api import LocalApi
from hushdesk.ui.messages import error_text, tell
from hushdesk.ui.safe_text import rich_message
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.unlock import IdleLock
from hushdesk.ui.widgets.conversation_list import ConversationList
from hushdesk.ui.widgets.nav_rail import NavRail, rail_button
from hushdesk.ui.widgets.status_area import StatusArea

if TYPE_CHECKING:
    from hushdesk.ui.email_page import EmailPage
    from hushdesk.ui.library_page import LibraryPage
    from hushdesk.ui.models_page import ModelsPage
    from hushdesk.ui.settings_page import SettingsPage
    from hushdesk.ui.summarize_page import SummarizePage
    from hushdesk.ui.welcome import WelcomeDialog

log = logging.getLogger("hushdesk.ui")


class Page(NamedTuple):
    title: str
    icon: str  # resources/icons/lucide/NAME.svg
    text: str  # the rail's tooltip


PAGES = (
    Page("Chat", "message-square", "Conversations with your model."),
    Page("Documents", "file-text", "Libraries of your documents: answers cite file and page."),
    Page("Summarize", "notebook-text", "Summaries of documents of any length, with pages."),
    Page("Email", "mail", "Draft replies and new emails, grounded in your documents."),
    Page("Models", "cpu", "Browse, download and import models."),
    Page("Settings", "settings", "Appearance, default model, your data and privacy."),
)
UNDO_MS = 10_000
SHORTCUTS = (
    ("Ctrl+1 … Ctrl+6", "Chat, Documents, Summarize, Email, Models, Settings"),
    ("Ctrl+N", "New chat"),
    ("Ctrl+K", "Switch to another chat"),
    ("Ctrl+F", "Search all chats"),
    ("Ctrl+L", "Type a message"),
    ("Enter / Shift+Enter", "Send / new line"),
    ("Esc", "Stop the answer"),
    ("Ctrl+Shift+L", "Lock Hushdesk now"),
)


def _coming(title: str, text: str) -> QWidget:
    label = QLabel(
        f"<h2>{html.escape(title)}</h2><p>{html.escape(text)}</p><p><i>Coming soon.</i></p>"
    )
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setAccessibleName(f"{title} (coming soon)")
    return label


class MainWindow(QMainWindow):
    """``ended`` tells the start-up loop why the window closed: ``quit``, ``lock`` (show
    the unlock dialog, then a fresh window) or ``wipe`` (delete all the data)."""

    ended = Signal(str)

    def __init__(self, app: App, tasks: Tasks | None = None) -> None:
        super().__init__()
        file_dialogs.forget_history()  # what an older version or a crash left
        self.app = app
        self._ending = "quit"
        self.conversations = app.conversations
        self.tasks = tasks or Tasks(self)
        self.local_api = LocalApi(app, self.tasks, self)
        self.models_page: ModelsPage | None = None  # built when first opened
        self.library_page: LibraryPage | None = None
        self.summarize_page: SummarizePage | None = None
        self.email_page: EmailPage | None = None
        self.settings_page: SettingsPage | None = None
        self._sample: dict[str, Any] | None = None  # the sample to ask, once indexed
        self.setWindowTitle(APP_NAME)
        self.resize(1180, 760)

        self._build_pages()
        self._build_status()
        self._deleted: int | None = None
        self._closed = False
        self._purge_timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self._purge_timer.timeout.connect(self._purge)
        self._undo.clicked.connect(self._undo_delete)

        self.nav.currentRowChanged.connect(self.show_page)
        self.sidebar.activated.connect(self._open_conversation)
        self.sidebar.newRequested.connect(self.new_chat)
        self.sidebar.renameRequested.connect(self.rename)
        self.sidebar.pinRequested.connect(self.toggle_pin)
        self.sidebar.exportRequested.connect(self.export)
        self.sidebar.deleteRequested.connect(self.delete)
        self.chat.conversationChanged.connect(self._conversation_saved)
        self._shortcuts()

        self._restore_state()
        self.sidebar.refresh()
        last = app.preferences.last_conversation
        self.chat.open_conversation(last if last and self.conversations.get(last) else None)
        self.sidebar.refresh(select=self.chat.conversation_id)
        self.nav.setCurrentRow(0)
        recovered = self.conversations.recovered_from
        if recovered is not None:
            self.statusBar().showMessage(
                f"The conversation database was damaged and a new one was started; "
                f"the old one is kept as {recovered}.",
            )

    def show_page(self, index: int) -> None:
        """Pages other than chat are built the first time they are opened (fast start)."""
        title = PAGES[index].title
        if title == "Models":
            self.model_manager()
        elif title == "Documents":
            self.documents_page()
        elif title == "Summarize":
            self.summaries_page()
        elif title == "Email":
            self.emails_page()
        elif title == "Settings":
            self.preferences_page().refresh()  # models may have come or gone meanwhile
        self.pages.setCurrentIndex(index)
        focused = QApplication.focusWidget()
        if focused is None or not focused.isVisible():  # it was on the page left behind
            self.nav.item(index).setFocus()

    def go(self, title: str) -> None:
        self.nav.setCurrentRow(self._page_index(title))

    def model_manager(self) -> ModelsPage:
        if self.models_page is None:
            from hushdesk.ui.models_page import ModelsPage

            self.models_page = ModelsPage(self.app, self.tasks)
            self.models_page.modelsChanged.connect(self.chat.refresh_models)
            self._replace_page(self._page_index("Models"), self.models_page)
        return self.models_page

    def download_model(self, model_id: str, quantization: str) -> None:
        """From the banner or the welcome: the Models page, downloading that model."""
        self.go("Models")
        self.model_manager().start_download(model_id, quantization)

    def import_models(self, source: str) -> None:
        """From the welcome: models already on this computer ("ollama", "lmstudio", "file")."""
        self.go("Models")
        page = self.model_manager()
        if source == "file":
            page.import_file()
        else:
            page.import_found(source)

    def welcome(self) -> WelcomeDialog:
        """The welcome (first launch, and Help → Welcome); shown, not waited for."""
        from hushdesk.ui.welcome import WelcomeDialog

        dialog = WelcomeDialog(self.app, self.tasks, self)
        dialog.downloadRequested.connect(self.download_model)
        dialog.importRequested.connect(self.import_models)
        dialog.sampleRequested.connect(self.try_sample)
        dialog.finished.connect(lambda _r: self.app.preferences.set_welcomed())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def try_sample(self) -> None:
        """A cited answer in one click: the sample document in a library of its own,
        then a new chat grounded in it asks the sample's question."""
        sample = assets.read_toml("samples", "sample.toml")
        page = self.documents_page()
        self.go("Documents")  # its progress shows there while it is indexed
        library = page.create_library(sample["library"])
        self._sample = sample  # asked by _sample_indexed: now if it is in, else once it is
        if not self._sample_indexed():
            page.add([assets.path("samples", sample["file"])], library)

    def _sample_indexed(self) -> bool:
        """After each indexing run: once the sample is in, ask its question."""
        sample = self._sample
        if sample is None:
            return False
        library = self.app.documents.library(sample["library"])
        if not self.app.documents.ready_file(library, str(assets.path("samples", sample["file"]))):
            return False
        self._sample = None
        self.new_chat()
        self.conversations.set_libraries(self.chat.chat, [sample["library"]])
        self.chat.refresh_libraries()
        self.chat.composer.setPlainText(sample["question"])
        self.chat.send()
        return True

    def documents_page(self) -> LibraryPage:
        if self.library_page is None:
            from hushdesk.ui.library_page import LibraryPage

            self.library_page = LibraryPage(self.app, self.tasks)
            self.library_page.librariesChanged.connect(self.chat.refresh_libraries)
            self.library_page.librariesChanged.connect(self._sample_indexed)
            self.library_page.summarizeRequested.connect(self.summarize_document)
            self.chat.openCitation.connect(self._open_citation)
            self._replace_page(self._page_index("Documents"), self.library_page)
        return self.library_page

    def summaries_page(self) -> SummarizePage:
        if self.summarize_page is None:
            from hushdesk.ui.summarize_page import SummarizePage

            self.summarize_page = SummarizePage(self.app, self.tasks)
            self._replace_page(self._page_index("Summarize"), self.summarize_page)
        return self.summarize_page

    def emails_page(self) -> EmailPage:
        if self.email_page is None:
            from hushdesk.ui.email_page import EmailPage

            self.email_page = EmailPage(self.app, self.tasks)
            self._replace_page(self._page_index("Email"), self.email_page)
            if self.library_page is not None:
                self.library_page.librariesChanged.connect(self.email_page.refresh)
        return self.email_page

    def preferences_page(self) -> SettingsPage:
        if self.settings_page is None:
            from hushdesk.ui.settings_page import SettingsPage

            self.settings_page = SettingsPage(self.app, self.tasks, self.local_api)
            self.settings_page.modelChanged.connect(self.chat.refresh_models)
            self.settings_page.lockRequested.connect(self.lock)
            self.settings_page.lockAfterChanged.connect(self.idle.set_minutes)
            self.settings_page.wipeRequested.connect(lambda: self.end("wipe"))
            self._replace_page(self._page_index("Settings"), self.settings_page)
        return self.settings_page

    def summarize_document(self, file_id: int) -> None:
        """From the library: summarize one of its documents."""
        page = self.summaries_page()
        self.nav.setCurrentRow(self._page_index("Summarize"))
        page.open_library_document(file_id)

    def _open_citation(self, citation: dict[str, object]) -> None:
        self.documents_page().open_document(
            str(citation["path"]),
            int(str(citation["page"])),
            str(citation["passage"]),
            bool(citation.get("paginated", True)),
            _int_or_none(citation.get("file_id")),
        )

    def _page_index(self, title: str) -> int:
        return next(i for i, page in enumerate(PAGES) if page.title == title)

    def _replace_page(self, index: int, page: QWidget) -> None:
        placeholder = self.pages.widget(index)
        assert placeholder is not None
        current = self.pages.currentIndex()
        self.pages.insertWidget(index, page)
        self.pages.removeWidget(placeholder)
        placeholder.deleteLater()
        self.pages.setCurrentIndex(current)

    def resume_documents(self) -> None:
        """At start-up (once the window is up): finish indexing that a quit or a crash
        interrupted, and rescan watched folders."""
        if self._closed:  # the window was closed (or locked) before this came due
            return
        if self.app.indexing.has_work_at_start():
            self.documents_page().resume()

    def _build_pages(self) -> None:
        """The rail beside the page in view; the chat page has its conversation list."""
        self.nav = self._build_rail()
        self.chat = ChatPage(self.app, self.tasks)
        self.splitter = QSplitter()
        self.splitter.setObjectName("chatArea")
        self.splitter.addWidget(self._build_sidebar())
        self.splitter.addWidget(self.chat)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 840])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        for page in PAGES[1:]:
            self.pages.addWidget(_coming(page.title, page.text))
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)

    def _build_status(self) -> None:
        """Undo (after a delete), background jobs, the model and the privacy state."""
        self._undo = QPushButton("Undo")
        self._undo.setAccessibleName("Undo delete")
        self._undo.hide()
        self.statusBar().addPermanentWidget(self._undo)
        self.status_area = StatusArea(self.app, self.tasks, self.statusBar())
        self.chat.model.currentIndexChanged.connect(self._show_model)
        self._show_model()
        self.status_area.model.clicked.connect(lambda: self.go("Models"))
        self.status_area.privacy.clicked.connect(lambda: self.go("Settings"))
        self.local_api.changed.connect(lambda: self.status_area.show_api(self.local_api))
        self.status_area.api.clicked.connect(lambda: self.go("Settings"))
        self.chat.modelRequested.connect(self.download_model)

    def _show_model(self) -> None:
        """The status area names the conversation's model and where it runs."""
        model_id = self.chat.model.currentData()
        chosen = [m for m in self.app.runtime.chat_models() if m.id == model_id]
        self.status_area.show_model(chosen[0] if chosen else None)

    def _build_rail(self) -> NavRail:
        rail = NavRail()
        for number, page in enumerate(PAGES, start=1):
            rail.add_page(page.title, page.icon, f"Ctrl+{number}", page.text)
        self.help_button = rail_button("Help", "circle-question-mark")
        self.help_button.setAccessibleName("Help")
        self.help_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.help_button)
        menu.addAction("Welcome and first steps…", self.welcome)
        menu.addAction("Keyboard shortcuts", self.show_shortcuts)
        menu.addAction(f"About {APP_NAME}", self.show_about)
        self.help_button.setMenu(menu)
        rail.add_footer(self.help_button)
        return rail

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{keys}</b></td><td>{what}</td></tr>" for keys, what in SHORTCUTS
        )
        rich_message(self, "Keyboard shortcuts", f"<table cellpadding='3'>{rows}</table>")

    def show_about(self) -> None:
        rich_message(
            self,
            f"About {APP_NAME}",
            f"<b>{html.escape(APP_NAME)} {html.escape(__version__)}</b><br>An assistant that "
            "runs on this computer: nothing you type or load leaves it.<br><br>"
            "Icons: Lucide (ISC licence).",
            QMessageBox.Icon.Information,
        )

    def _build_sidebar(self) -> QWidget:
        self.sidebar = ConversationList(self.conversations)
        sidebar = QWidget()
        sidebar.setObjectName("chatSide")
        sidebar.setMinimumWidth(180)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(8, 8, 4, 8)
        side.addWidget(self.sidebar, 1)
        return sidebar

    def _shortcuts(self) -> None:
        """Keyboard shortcuts, and the lock after idle time."""

        def bind(keys: QKeySequence | str, slot: object, name: str) -> None:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            shortcut.setObjectName(name)

        bind(QKeySequence(QKeySequence.StandardKey.New), self.new_chat, "new-chat")
        bind("Ctrl+F", self.focus_search, "search")
        bind("Ctrl+K", self.quick_switch, "switch")
        bind("Esc", self.chat.escape, "stop")
        bind("Ctrl+L", self.chat.composer.setFocus, "focus-message")
        bind("Ctrl+Shift+L", self.lock, "lock")
        for number in range(1, len(PAGES) + 1):
            bind(
                f"Ctrl+{number}",
                lambda row=number - 1: self.nav.setCurrentRow(row),
                f"page-{number}",
            )
        self.idle = IdleLock(self.tasks, self)
        self.idle.set_minutes(self.app.preferences.lock_after_min)
        self.idle.idle.connect(self.lock)

    # -- conversations --------------------------------------------------------------------

    def new_chat(self) -> None:
        self.nav.setCurrentRow(0)
        self.chat.open_conversation(None)
        self._remember(None)
        self.sidebar.refresh(select=None)

    def _conversation_saved(self, conversation_id: int) -> None:
        self.sidebar.refresh(select=conversation_id)
        self._remember(conversation_id)

    def _remember(self, conversation_id: int | None) -> None:
        """Reopen where the user was, even after a crash."""
        self.app.preferences.remember_conversation(conversation_id)

    def focus_search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def _open_conversation(self, conversation_id: int, find: str = "") -> None:
        self.nav.setCurrentRow(0)
        if conversation_id == self.chat.conversation_id and not find:
            return  # a click and an activation of the same item
        self.chat.open_conversation(conversation_id)
        self._remember(conversation_id)
        if find:
            self.chat.view.moveCursor(self.chat.view.textCursor().MoveOperation.Start)
            self.chat.view.find(find.split(maxsplit=1)[0])

    def quick_switch(self) -> None:
        dialog = QuickSwitcher(self.conversations, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            self._open_conversation(dialog.chosen)
            self.sidebar.refresh(select=dialog.chosen)

    def rename(self, conversation_id: int) -> None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return
        title, ok = QInputDialog.getText(self, "Rename chat", "Title:", text=conversation.title)
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
        self._purge()  # one undo at a time
        self.conversations.delete(conversation_id)
        self._deleted = conversation_id
        self._undo.show()
        self.statusBar().showMessage(f"Deleted “{conversation.title}”.", UNDO_MS)
        self._purge_timer.start()
        if self.chat.conversation_id == conversation_id:
            self.chat.open_conversation(None)
        self.sidebar.refresh()

    def _undo_delete(self) -> None:
        if self._deleted is not None:
            self.conversations.undelete(self._deleted)
            self.statusBar().showMessage("Restored.", 3000)
            self._after_change(self._deleted)
        self._deleted = None
        self._undo.hide()
        self._purge_timer.stop()

    def _purge(self) -> None:
        if self._deleted is not None:
            self.conversations.purge()
        self._deleted = None
        self._undo.hide()

    def export(self, conversation_id: int) -> None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return
        name = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", conversation.title).strip(" .") or "chat"
        suggested = str(Path.home() / f"{name}.md")
        path = file_dialogs.save_file(
            self, "Export chat", suggested, "Markdown (*.md);;JSON (*.json)"
        )
        if not path:
            return
        try:
            self.conversations.export(conversation_id, Path(path))
        except HushdeskError as exc:
            tell(self, "Export failed", error_text(exc))
        else:
            self.statusBar().showMessage(f"Exported to {path}", 5000)

    def _after_change(self, conversation_id: int) -> None:
        self.sidebar.refresh(select=self.chat.conversation_id)
        if self.chat.conversation_id == conversation_id:
            self.chat.title.setText(self.conversations.title(self.chat.chat))

    # -- window state ---------------------------------------------------------------------

    def _restore_state(self) -> None:
        preferences = self.app.preferences
        if preferences.geometry:
            self.restoreGeometry(QByteArray.fromBase64(preferences.geometry.encode()))
        if preferences.splitter:
            self.splitter.restoreState(QByteArray.fromBase64(preferences.splitter.encode()))

    def save_state(self) -> None:
        self.app.preferences.remember_window(
            bytes(self.saveGeometry().toBase64().data()).decode(),
            bytes(self.splitter.saveState().toBase64().data()).decode(),
            self.chat.conversation_id,
        )

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def lock(self) -> None:
        """Close the window (what it showed goes with it) and lock the data."""
        self.end("lock")

    def end(self, why: str) -> None:
        self._ending = why
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
        self.ended.emit(self._ending)

    def shutdown(self) -> None:
        """Stop the answer in progress (it is saved as stopped), then let work finish.

        A model that does not stop in time (loading, a stuck child) is killed, so
        closing never hangs.
        """
        if self._closed:
            return
        self._closed = True
        self.local_api.close()  # no new requests; those in progress are stopped
        self.chat.stop()
        if self.models_page is not None:
            self.models_page.pause_all()  # resumable next time
        if self.library_page is not None:
            self.library_page.pause()  # indexing continues next time
        if not self.tasks.wait(3000):
            self.app.runtime.kill()
            self.tasks.wait(30_000)
        self._purge()
        self.save_state()
        file_dialogs.forget_history()  # also done after each dialog: a backstop


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


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
