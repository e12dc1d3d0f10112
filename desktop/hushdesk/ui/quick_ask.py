"""Quick ask: a small window over whatever the user is working in (the global shortcut,
Ctrl+Alt+Space, or ``hushdesk quick``): ask the open matter's documents or the model,
read the streamed answer with its sources, copy it, or open the conversation in the main
window. Escape hides it and the program that had the focus gets it back. Keyboard only
works throughout; every control has a screen-reader name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QCursor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.services.conversations import Answer, Chat, ChatSetup
from hushdesk.ui import hotkey
from hushdesk.ui.messages import status_label, warning
from hushdesk.ui.selection_actions import SelectionActions
from hushdesk.ui.tasks import Job, Tasks
from hushdesk.ui.widgets.chat_view import ChatView

log = logging.getLogger("hushdesk.ui")
TITLE = "Quick ask — Hushdesk"
NO_LIBRARY = "The model only (no documents)"


class QuickAsk(QWidget):
    openRequested = Signal(int)  # the conversation's id: show it in the main window
    summarizeRequested = Signal(object)  # a Path dropped here: summarize it
    addRequested = Signal(object, str)  # Paths dropped here, the library to add them to
    thoughtArrived = Signal(str)  # a piece of a reasoning model's thinking (from the worker)

    def __init__(self, app: App, tasks: Tasks) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.app, self.tasks = app, tasks
        self.chat: Chat | None = None
        self._job: Job | None = None
        self._return_to = 0  # the window that had the focus before (X11), 0: unknown
        self._drop: QMenu | None = None  # the menu for files dropped here, while shown
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Quick ask")
        self.setAcceptDrops(True)  # a file dropped here: summarize it, or add it to a library
        self.resize(620, 420)
        self.library = QComboBox()
        self.library.setAccessibleName("Ask which documents")
        self.question = QLineEdit()
        self.question.setAccessibleName("Question")
        self.question.setPlaceholderText("Ask your documents, or the model…  (Enter)")
        self.question.returnPressed.connect(self.ask)
        self.view = ChatView()
        self.thoughtArrived.connect(self.view.append_reasoning)
        self.view.setAccessibleName("Answer")
        self.view.copyRequested.connect(self._copy_turn)
        self.view.editRequested.connect(lambda _turn: self.question.setFocus())  # still there
        self.view.regenerateRequested.connect(self.ask)
        self.view.citationRequested.connect(lambda _turn, _n: self._open())  # with its page
        self.status = status_label()
        self.copy = QPushButton("Copy answer")
        self.copy.setAccessibleName("Copy the answer")
        self.copy.clicked.connect(self.copy_answer)
        self.open_full = QPushButton("Open in Hushdesk")
        self.open_full.setAccessibleName("Open the conversation in the main window")
        self.open_full.clicked.connect(self._open)
        close = QPushButton("Close (Esc)")
        close.setAccessibleName("Close quick ask")
        close.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.addWidget(QLabel("Ask:"))
        top.addWidget(self.library, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy)
        buttons.addWidget(self.open_full)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.question)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._answered(False)

    # -- showing ------------------------------------------------------------------------

    def show_over(self) -> None:
        """Over whatever has the focus, on the screen the pointer is on, ready to type."""
        self._return_to = hotkey.focused_window() if not self.isVisible() else self._return_to
        self._fill_libraries()
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.move(area.center().x() - self.width() // 2, area.top() + area.height() // 5)
        self.show()
        self.raise_()
        self.activateWindow()
        self.question.setFocus()
        self.question.selectAll()

    def dismiss(self) -> None:
        """Hidden; the program that had the focus gets it back."""
        self.hide()
        if self._return_to:
            hotkey.focus_window(self._return_to)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self._job is not None:
                self._job.cancel()  # Esc stops an answer first, as in the chat
            else:
                self.dismiss()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()  # closing only hides it: it comes back with its answer
        self.dismiss()

    def _fill_libraries(self) -> None:
        current = self.library.currentData()
        self.library.clear()
        self.library.addItem(NO_LIBRARY, "")
        try:
            for name in self.app.documents.names():
                self.library.addItem(name, name)
        except HushdeskError as exc:
            self.status.setText(warning(exc))
        self.library.setCurrentIndex(max(0, self.library.findData(current)))

    # -- files dropped here -------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.drop_menu(paths).popup(QCursor.pos())

    def drop_menu(self, paths: list[Path]) -> QMenu:
        """What can be done with files dropped here."""
        self._drop = menu = QMenu(self)
        menu.setAccessibleName("What to do with the dropped files")
        first = paths[0]
        summarize = menu.addAction(f"Summarize {first.name}")
        summarize.triggered.connect(lambda: self.summarizeRequested.emit(first))
        summarize.setEnabled(len(paths) == 1 and first.is_file())
        name = str(self.library.currentData() or "")
        files = f"{len(paths)} files" if len(paths) > 1 else first.name
        add = menu.addAction(f"Add {files} to “{name}”" if name else "Add to a library")
        add.setEnabled(bool(name))
        add.setToolTip("" if name else "Choose a library under Ask first.")
        add.triggered.connect(lambda: self.addRequested.emit(paths, name))
        return menu

    # -- asking ---------------------------------------------------------------------------

    def ask(self) -> None:
        text = self.question.text().strip()
        if not text or self._job is not None:
            return
        name = str(self.library.currentData() or "")
        try:
            chat = self.app.conversations.open(setup=ChatSetup(libraries=[name] if name else []))
        except HushdeskError as exc:
            self.status.setText(warning(exc))
            return
        self.chat = chat
        self.view.set_turns([])
        self.view.show_pending_question(text)
        self.view.begin_answer()
        self.status.setText("Writing…  (Esc to stop)")
        self._answered(False)
        self._job = self.tasks.run(
            lambda: self._send(chat, text),
            pool="model",
            stream=True,
            on_text=self.view.append_answer,
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._finished,
        )

    def _send(self, chat: Chat, text: str) -> Answer:
        """On the worker: the answer, its thinking passed on (folded in the view)."""
        answer = self.app.conversations.send(chat, text)
        answer.on_reasoning = self.thoughtArrived.emit
        return answer

    def _done(self, _result: Any) -> None:
        if self.chat is not None:
            self.view.set_turns(self.chat.turns[-2:])  # the answer with its sources
        self.status.setText("")
        self._answered(True)

    def _failed(self, error: BaseException) -> None:
        self.status.setText("Stopped." if isinstance(error, Cancelled) else warning(error))

    def _finished(self) -> None:
        self._job = None

    def _answered(self, answered: bool) -> None:
        self.copy.setEnabled(answered)
        self.open_full.setEnabled(answered)

    def answer_text(self) -> str:
        turns = self.chat.turns if self.chat is not None else []
        return next((t.content for t in reversed(turns) if t.role == "assistant"), "")

    def _copy_turn(self, turn_id: int) -> None:
        turns = self.chat.turns if self.chat is not None else []
        said = next((t.content for t in turns if t.id == turn_id), "")
        QGuiApplication.clipboard().setText(said)
        self.status.setText("Copied.")

    def copy_answer(self) -> None:
        QGuiApplication.clipboard().setText(self.answer_text())
        self.status.setText("Copied.")

    def _open(self) -> None:
        if self.chat is not None and self.chat.id is not None:
            self.hide()
            self.openRequested.emit(self.chat.id)


class QuickAccess(QObject):
    """Hushdesk from any program: the quick-ask window and the actions on selected text,
    each opened by a global shortcut, for the main window; ``changed`` when the
    shortcuts' state may have (``state()``)."""

    changed = Signal()

    def __init__(
        self,
        app: App,
        tasks: Tasks,
        open_conversation: Callable[[int], None],
        *,
        reply: Callable[[str], None] = lambda _text: None,
        summarize: Callable[[str], None] = lambda _text: None,
        summarize_file: Callable[[Path], None] = lambda _path: None,
        add_files: Callable[[list[Path], str], None] = lambda _paths, _library: None,
    ) -> None:
        super().__init__()
        self.window = QuickAsk(app, tasks)
        self.window.openRequested.connect(open_conversation)
        self.window.summarizeRequested.connect(summarize_file)
        self.window.addRequested.connect(add_files)
        self.shortcut = hotkey.GlobalShortcut(self, "quick", "Quick ask")
        self.shortcut.activated.connect(self.window.show_over)
        self.shortcut.changed.connect(self.changed)
        self.selection = SelectionActions(
            app, tasks, ask=self.ask_about, reply=reply, summarize=summarize
        )
        self.selection_shortcut = hotkey.GlobalShortcut(
            self, "selection", "Actions on selected text"
        )
        self.selection_shortcut.activated.connect(self.selection.popup)
        self.selection_shortcut.changed.connect(self.changed)

    def start(self, sequence: str, selection: str | None = None) -> str:
        """Take the quick-ask shortcut ("" turns it off) and, given, the selection one;
        why one could not be had, else ""."""
        problems = [self._take(self.shortcut, sequence)]
        if selection is not None:
            problems.append(self._take(self.selection_shortcut, selection))
        self.changed.emit()
        return " ".join(p for p in problems if p)

    def state(self) -> tuple[str, str]:
        """(why a shortcut cannot be had, how the desktop bound them where it chose other
        keys): Settings says it, and again whenever a desktop's answer comes later."""
        taken = [s for s in (self.shortcut, self.selection_shortcut) if s.sequence]
        problems = " ".join(s.problem for s in taken if s.problem)
        bound = " ".join(f"Your desktop bound {s.description} to {s.bound_to}." for s in taken
                         if not s.problem and s.bound_to != s.sequence)  # fmt: skip
        return problems, bound

    @staticmethod
    def _take(shortcut: hotkey.GlobalShortcut, sequence: str) -> str:
        if not sequence:
            shortcut.stop()
            return ""
        if not shortcut.start(sequence):
            log.info("global shortcut: %s", shortcut.problem)
        return shortcut.problem

    def ask_about(self, text: str) -> None:
        """Quick ask, with the selected text as the question to edit and send."""
        self.window.show_over()
        self.window.question.setText(" ".join(text.split())[:2000])

    def close(self) -> None:
        self.shortcut.stop()
        self.selection_shortcut.stop()
        self.window.hide()
        self.window.deleteLater()
        self.selection.note.hide()
        self.selection.note.deleteLater()
