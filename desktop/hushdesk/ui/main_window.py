"""The main window: the navigation rail, the page in view and the status area (model,
privacy, background jobs), the Help menu, the keyboard shortcuts and the window's state.

The pages are the rows of ``ui/pages.py``'s table; ``MainWindow.page(name)`` builds one the
first time it is asked for (the chat page at once, the others when first opened: a fast
start). The conversation list's actions are in ``ui/conversations.py``, the first steps
in ``ui/onboarding.py``."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from hushdesk import APP_NAME, __version__
from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.services.conversations import Citation
from hushdesk.ui import file_dialogs
from hushdesk.ui.chat_page import ChatPage
from hushdesk.ui.conversations import ConversationActions
from hushdesk.ui.local_api import LocalApi
from hushdesk.ui.matters import SWITCH, MatterActions
from hushdesk.ui.message_box import Rich, confirm, tell
from hushdesk.ui.messages import error_text
from hushdesk.ui.onboarding import Onboarding
from hushdesk.ui.pages import PAGES, PageName, index_of
from hushdesk.ui.quick_ask import QuickAccess
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.tray import Tray
from hushdesk.ui.unlock import IdleLock
from hushdesk.ui.widgets.conversation_list import ConversationList
from hushdesk.ui.widgets.download_trouble import trouble_text
from hushdesk.ui.widgets.matter_switcher import MatterSwitcher
from hushdesk.ui.widgets.nav_rail import NavRail, rail_button
from hushdesk.ui.widgets.shortcuts_dialog import ShortcutsDialog
from hushdesk.ui.widgets.status_area import StatusArea

if TYPE_CHECKING:
    from hushdesk.ui.email_page import EmailPage
    from hushdesk.ui.library_page import LibraryPage
    from hushdesk.ui.models_page import ModelsPage
    from hushdesk.ui.settings_page import SettingsPage
    from hushdesk.ui.summarize_page import SummarizePage

log = logging.getLogger("hushdesk.ui")


class MainWindow(QMainWindow):
    """``ended`` tells the start-up loop why the window closed: ``quit``, ``lock`` (show
    the unlock dialog, then a fresh window) or ``wipe`` (delete all the data)."""

    ended = Signal(str)

    def __init__(self, app: App, tasks: Tasks | None = None) -> None:
        super().__init__()
        file_dialogs.forget_history()  # what an older version or a crash left
        self.app = app
        self._ending = "quit"
        self._ended = False  # end() was asked (quit, lock, wipe), not the window's close box
        self._closed = False
        self.conversations = app.conversations
        self.tasks = tasks or Tasks(self)
        self.local_api = LocalApi(app, self.tasks, self)
        self.setWindowTitle(APP_NAME)
        self._fit_screen()

        self.chat = ChatPage(app, self.tasks)
        self.sidebar = ConversationList(self.conversations)
        self.conversation_actions = ConversationActions(
            app, self.sidebar, self.chat, self, show_chat=lambda: self.go("chat")
        )
        self.onboarding = Onboarding(
            app,
            self.tasks,
            self.chat,
            self,
            documents=lambda: self.page("documents"),
            show_documents=lambda: self.go("documents"),
            download=self.download_model,
            import_models=self.import_models,
            new_chat=self.conversation_actions.new_chat,
        )
        self._build_shell()
        self.page("chat")  # the start page, built at once
        self._build_status()
        self.nav.currentRowChanged.connect(self.show_page)
        self.chat.title.textChanged.connect(lambda _title: self._show_title())
        self._shortcuts()

        self._restore_state()
        self.sidebar.refresh()
        prefs = app.preferences
        prefs.remember_matter(app.matter.id)  # a conversation remembered is of this matter
        last = prefs.last_conversation
        self.chat.open_conversation(last if last and self.conversations.get(last) else None)
        self.sidebar.refresh(select=self.chat.conversation_id)
        self.nav.setCurrentRow(0)
        self._show_title()
        self.quick = QuickAccess(app, self.tasks, self.open_conversation,
                                 reply=self.reply_to, summarize=self.summarize_text,
                                 summarize_file=self.summarize_file,
                                 add_files=self.add_files)  # fmt: skip
        ui = app.settings.ui
        QTimer.singleShot(0, lambda: self.quick.start(ui.quick_shortcut, ui.selection_shortcut))
        self.tray = Tray(self.tasks, show=self.bring_to_front, quick=self.quick.window.show_over,
                         lock=self.lock, quit_=lambda: self.end("quit"))  # fmt: skip
        self.tray.show()
        recovered = self.conversations.recovered_from
        if recovered is not None:
            self.statusBar().showMessage(
                f"The conversation database was damaged and a new one was started; "
                f"the old one is kept as {recovered}.",
            )

    # -- pages ----------------------------------------------------------------------------

    @overload
    def page(self, name: Literal["chat"]) -> QSplitter: ...
    @overload
    def page(self, name: Literal["documents"]) -> LibraryPage: ...
    @overload
    def page(self, name: Literal["summaries"]) -> SummarizePage: ...
    @overload
    def page(self, name: Literal["email"]) -> EmailPage: ...
    @overload
    def page(self, name: Literal["models"]) -> ModelsPage: ...
    @overload
    def page(self, name: Literal["settings"]) -> SettingsPage: ...
    @overload
    def page(self, name: PageName) -> QWidget: ...

    def page(self, name: PageName) -> QWidget:
        """The page, built and wired the first time it is asked for."""
        built = self._built.get(name)
        if built is None:
            index = index_of(name)
            spec = PAGES[index]
            built = spec.build(self)
            self._built[name] = built
            self._put_in_place(index, built)
            spec.connect(self, built)
        return built

    def built(self, name: PageName) -> bool:
        return name in self._built

    def show_page(self, index: int) -> None:
        """The rail's row ``index`` came into view (its page is built if it was not)."""
        spec = PAGES[index]
        spec.shown(self.page(spec.name))
        self.pages.setCurrentIndex(index)
        self._show_title()
        focused = QApplication.focusWidget()
        if focused is None or not focused.isVisible():  # it was on the page left behind
            self.nav.item(index).setFocus()

    def _show_title(self) -> None:
        """ "<the conversation or the page> — <the matter> — Hushdesk" (the matter once
        there are several): the app's name once, at the end (create_app sets no display
        name, which Qt would add again)."""
        spec = PAGES[max(0, self.nav.currentRow())]
        shown = self.chat.title.full_text() if spec.name == "chat" else spec.title
        shown = " ".join(shown.split()) or spec.title  # a title typed over two lines
        if self.matter_actions.several:  # counted when the switcher was filled, not per title
            shown += f" — {' '.join(self.app.matter.name.split())}"
        # "[*]" is Qt's place for a modified mark: doubled, it shows as typed.
        self.setWindowTitle(f"{shown.replace('[*]', '[*][*]')} — {APP_NAME}")

    # -- matters ------------------------------------------------------------------------------

    def switch_matter(self, matter_id: str) -> None:
        """Open another matter: this window closes (work under way is stopped and
        resumes when the matter is opened again) and one opens on that matter."""
        if matter_id == self.app.matter.id:
            return
        running = [title for title, _progress in self.tasks.activity()]
        if self.chat.busy:
            running.insert(0, "an answer being written")
        if running and not confirm(
            self,
            "Open another matter",
            f"Under way here: {', '.join(running)}. Opening another matter stops it; what "
            "can resume does when you come back.",
            "Open it",
            cancel="Stay",
        ):
            return
        self.end(SWITCH + matter_id)

    def apply_retention(self) -> None:
        self.matter_actions.apply_retention()

    def go(self, name: PageName) -> None:
        self.nav.setCurrentRow(index_of(name))

    def _put_in_place(self, index: int, page: QWidget) -> None:
        """The built page takes the place of the empty stand-in that kept its index."""
        stand_in = self.pages.widget(index)
        assert stand_in is not None
        current = self.pages.currentIndex()
        self.pages.insertWidget(index, page)
        self.pages.removeWidget(stand_in)
        stand_in.deleteLater()
        self.pages.setCurrentIndex(current)

    def download_model(self, model_id: str, quantization: str) -> None:
        """From the banner or the welcome: the Models page, downloading that model."""
        self.go("models")
        self.page("models").start_download(model_id, quantization)

    def download_failed(self, name: str, error: BaseException) -> None:
        """A download could not start or failed: said where it was asked for too (the
        welcome, the starter banner), with what to do without it."""
        text = trouble_text(name, error, error_text(error))
        self.chat.banner.show_trouble(text)
        self.onboarding.download_failed(text)

    def import_models(self, source: str) -> None:
        """From the welcome: models already on this computer ("ollama", "lmstudio", "file")."""
        self.go("models")
        page = self.page("models")
        if source == "file":
            page.import_file()
        else:
            page.import_found(source)

    def summarize_document(self, file_id: int) -> None:
        """From the library: summarize one of its documents."""
        page = self.page("summaries")
        self.go("summaries")
        page.open_library_document(file_id)

    def open_citation(self, c: Citation) -> None:
        """From an answer: the cited document, at the cited page."""
        self.page("documents").open_document(
            c.path, c.page, c.passage, c.paginated, c.file_id, label=c.label
        )

    def resume_documents(self) -> None:
        """At start-up (once the window is up): finish indexing that a quit or a crash
        interrupted, and rescan watched folders."""
        if self._closed:  # the window was closed (or locked) before this came due
            return
        if self.app.indexing.has_work_at_start():
            self.page("documents").resume()

    # -- the shell ------------------------------------------------------------------------

    def _build_shell(self) -> None:
        """The rail beside a stack with a place for each page (an empty stand-in until
        the page is built, which is always before it is shown)."""
        self._built: dict[str, QWidget] = {}
        self.nav = self._build_rail()
        self.pages = QStackedWidget()
        for _page in PAGES:
            self.pages.addWidget(QWidget())
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)

    def _build_status(self) -> None:
        """The matter (its switcher), Undo (after a delete), background jobs, the model
        and the privacy state."""
        self.matter_switcher = MatterSwitcher()
        # Permanent: a passing message ("Exported to …") never hides which matter is open.
        self.statusBar().addPermanentWidget(self.matter_switcher)
        self.matter_actions = MatterActions(
            self.app, self.tasks, self, self.matter_switcher,
            switch=self.switch_matter, said=self.statusBar().showMessage,
        )  # fmt: skip
        self.matter_actions.conversationsChanged.connect(self.sidebar.refresh)
        self.statusBar().addPermanentWidget(self.conversation_actions.undo)
        self.status_area = StatusArea(self.app, self.tasks, self.statusBar())
        self.chat.model.currentIndexChanged.connect(self._show_model)
        self._show_model()
        self.status_area.model.clicked.connect(lambda: self.go("models"))
        self.status_area.privacy.clicked.connect(lambda: self.go("settings"))
        self.local_api.changed.connect(lambda: self.status_area.show_api(self.local_api))
        self.status_area.api.clicked.connect(lambda: self.go("settings"))

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
        menu.addAction("Welcome and first steps…", self.onboarding.welcome)
        menu.addAction("Keyboard shortcuts", self.show_shortcuts)
        menu.addAction(f"About {APP_NAME}", self.show_about)
        self.help_button.setMenu(menu)
        rail.add_footer(self.help_button)
        return rail

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> None:
        tell(
            self,
            f"About {APP_NAME}",
            Rich(
                f"<b>{html.escape(APP_NAME)} {html.escape(__version__)}</b><br>An assistant "
                "that runs on this computer: nothing you type or load leaves it.<br><br>"
                "Icons: Lucide (ISC licence)."
            ),
            "info",
        )

    def _shortcuts(self) -> None:
        """Keyboard shortcuts, and the lock after idle time."""

        def bind(keys: QKeySequence | str, slot: object, name: str) -> None:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            shortcut.setObjectName(name)

        actions = self.conversation_actions
        bind(QKeySequence(QKeySequence.StandardKey.New), actions.new_chat, "new-chat")
        bind("Ctrl+Shift+N", actions.new_temporary_chat, "temporary-chat")
        bind("Ctrl+F", actions.focus_search, "search")
        bind("Ctrl+K", actions.quick_switch, "switch")
        bind("Esc", self.chat.escape, "stop")
        bind("Ctrl+L", self.chat.composer.setFocus, "focus-message")
        bind("Ctrl+Shift+L", self.lock, "lock")
        bind("Ctrl+Shift+M", self.matter_switcher.showMenu, "matters")
        for number in range(1, len(PAGES) + 1):
            bind(
                f"Ctrl+{number}",
                lambda row=number - 1: self.nav.setCurrentRow(row),
                f"page-{number}",
            )
        self.idle = IdleLock(self.tasks, self)
        self.idle.set_minutes(self.app.preferences.lock_after_min)
        self.idle.idle.connect(self.lock)

    # -- window state ---------------------------------------------------------------------

    def _fit_screen(self) -> None:
        """The first window: its preferred size, or less on a small screen (a 1366×768
        laptop's task bar stays visible)."""
        free = self.screen().availableGeometry()
        self.resize(min(1180, int(free.width() * 0.94)), min(760, int(free.height() * 0.92)))

    def _restore_state(self) -> None:
        preferences = self.app.preferences
        if preferences.geometry:
            self.restoreGeometry(QByteArray.fromBase64(preferences.geometry.encode()))
        if preferences.splitter:
            self.page("chat").restoreState(QByteArray.fromBase64(preferences.splitter.encode()))

    def save_state(self) -> None:
        self.app.preferences.remember_window(
            bytes(self.saveGeometry().toBase64().data()).decode(),
            bytes(self.page("chat").saveState().toBase64().data()).decode(),
            self.chat.conversation_id,
        )

    def show_part(self, name: str) -> None:
        """Quick ask ("quick") or the actions on selected text ("selection"), as
        `hushdesk quick` and `hushdesk selection` ask, while the window lives."""
        if self._closed:
            return
        if name == "selection":
            self.quick.selection.popup()
        else:
            self.quick.window.show_over()

    def open_conversation(self, conversation_id: int) -> None:
        """A conversation (from Quick ask) in the chat page, the window in front."""
        self.conversation_actions.open(conversation_id)
        self.bring_to_front()

    def reply_to(self, text: str) -> None:
        """The Email page with ``text`` as the message to answer (selected elsewhere)."""
        self.go("email")
        self.page("email").thread_text.setPlainText(text)
        self.bring_to_front()

    def summarize_text(self, text: str) -> None:
        self.go("summaries")
        self.page("summaries").set_text(text, "Selected text")
        self.bring_to_front()

    def summarize_file(self, path: Path) -> None:
        """A file dropped on Quick ask, opened on the Summarize page."""
        self.go("summaries")
        self.page("summaries").open_path(path)
        self.bring_to_front()

    def add_files(self, paths: list[Path], library: str) -> None:
        """Files dropped on Quick ask, indexed into ``library`` (the Documents page's job:
        its progress in the status area and the tray)."""
        try:
            target = self.app.documents.library(library, create=False)
        except HushdeskError as exc:
            self.statusBar().showMessage(error_text(exc), 8000)
            return
        self.page("documents").add(paths, target)

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def lock(self) -> None:
        """Close the window (what it showed goes with it) and lock the data."""
        self.end("lock")

    def end(self, why: str) -> None:
        self._ending, self._ended = why, True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._ended and self.app.settings.ui.keep_in_tray and self.tray.available():
            event.ignore()  # the window goes; the API, the shortcut and the work go on
            self.hide()
            self.tray.hidden_to_tray()
            return
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
        self.quick.close()
        self.tray.hide()
        self.chat.stop()
        if self.built("models"):
            self.page("models").pause_all()  # resumable next time
        if self.built("documents"):
            self.page("documents").pause()  # indexing continues next time
        if not self.tasks.wait(3000):
            self.app.runtime.kill()
            self.tasks.wait(30_000)
        self.conversation_actions.purge()
        self.save_state()
        file_dialogs.forget_history()  # also done after each dialog: a backstop
