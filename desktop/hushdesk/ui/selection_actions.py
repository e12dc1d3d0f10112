"""Actions on selected text, from any program: a second global shortcut (Ctrl+Alt+W)
takes what is selected (X11's selection, else the clipboard) and offers, at the pointer,
rewrite (clearer, shorter, more formal, friendlier), proofread, translate, reply as an
email, summarize, and "ask my documents about this".

A rewrite, a correction or a translation runs on the local model and its result goes on
the clipboard, ready to paste over the selection — or, where the user chose it (Settings
→ Quick ask) and X11 allows it, pasted there (the program gets the focus back and Ctrl+V,
through XTest); a small window says so, shows the result, and offers Undo (what the
clipboard held before comes back). A reply, a summary
or a question opens where it is done: the Email page, the Summarize page, Quick ask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QClipboard, QCursor, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from hushdesk.app import App
from hushdesk.errors import Cancelled
from hushdesk.services.writing import Task, styles
from hushdesk.ui import hotkey
from hushdesk.ui.messages import warning
from hushdesk.ui.tasks import Job, Tasks
from hushdesk.ui.widgets.combo import LANGUAGES

MAX_CHARS = 20_000  # a selection, not a document: longer goes to Summarize
SHOWN_MS = 15_000
PREVIEW_CHARS = 400


def selected_text() -> str:
    """What is selected in any program (X11's primary selection), else the clipboard."""
    clipboard = QGuiApplication.clipboard()
    if clipboard.supportsSelection():
        text = clipboard.text(QClipboard.Mode.Selection)
        if text.strip():
            return text
    return clipboard.text(QClipboard.Mode.Clipboard)


class ResultNote(QWidget):
    """ "The result is on the clipboard", what it is, and Undo — near the pointer."""

    def __init__(self) -> None:
        super().__init__(
            None,
            Qt.WindowType.Tool
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        # Shown without taking the keyboard: the user pastes into the program they were in.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowTitle("Hushdesk")
        self.setAccessibleName("Selection result")
        self.said = QLabel("")
        self.said.setWordWrap(True)
        self.said.setTextFormat(Qt.TextFormat.PlainText)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setProperty("role", "muted")
        self.undo = QPushButton("Undo")
        self.undo.setAccessibleName("Put back what the clipboard held")
        close = QPushButton("Close")
        close.setAccessibleName("Close the note")
        close.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.undo)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.said)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        self.setMaximumWidth(460)
        self._timer = QTimer(self, singleShot=True, interval=SHOWN_MS)
        self._timer.timeout.connect(self.hide)

    def tell(self, said: str, result: str = "", *, undo: bool = False) -> None:
        self.said.setText(said)
        shown = result if len(result) <= PREVIEW_CHARS else result[:PREVIEW_CHARS] + " …"
        self.result.setText(shown)
        self.result.setVisible(bool(result))
        self.undo.setVisible(undo)
        self.adjustSize()
        self.move(QCursor.pos())
        self.show()
        self._timer.start()


class SelectionActions(QObject):
    def __init__(
        self,
        app: App,
        tasks: Tasks,
        *,
        ask: Callable[[str], None],
        reply: Callable[[str], None],
        summarize: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.app, self.tasks = app, tasks
        self._ask, self._reply, self._summarize = ask, reply, summarize
        self.note = ResultNote()
        self.note.undo.clicked.connect(self.undo)
        self._before: str | None = None  # the clipboard before a result replaced it
        self._job: Job | None = None
        self._menu: QMenu | None = None  # the one shown: a popup must outlive the call
        self._source = 0  # the X11 window the text was selected in (0: unknown)
        self.text = ""

    def menu(self, text: str) -> QMenu:
        """The actions for ``text``."""
        self.text = text
        menu = QMenu()
        menu.setAccessibleName("Actions on the selected text")
        for key, title in styles().items():
            menu.addAction(f"Rewrite: {title.lower()}", self._runs(Task("rewrite", key)))
        menu.addAction("Proofread", self._runs(Task("proofread")))
        into = menu.addMenu("Translate into")
        for language in LANGUAGES:
            into.addAction(language, self._runs(Task("translate", language=language)))
        menu.addSeparator()
        menu.addAction("Reply as an email…", lambda: self._reply(self.text))
        menu.addAction("Summarize…", lambda: self._summarize(self.text))
        menu.addAction("Ask my documents about this…", lambda: self._ask(self.text))
        return menu

    def popup(self) -> None:
        """The shortcut: the menu at the pointer, for what is selected now."""
        self._source = hotkey.focused_window()
        text = selected_text().strip()
        if not text:
            self.note.tell("Select some text (or copy it) first, then press the shortcut.")
            return
        self._menu = self.menu(text[:MAX_CHARS])
        self._menu.popup(QCursor.pos())

    def _runs(self, task: Task) -> Callable[[], None]:
        return lambda: self.run(task)

    def run(self, task: Task) -> None:
        if self._job is not None:
            self.note.tell("The previous action is still running.")
            return
        text = self.text
        self.note.tell("Working on the selection…")
        self._job = self.tasks.run(
            lambda: self.app.writing.run(task, text),
            pool="model",
            title="Working on the selection",
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._finished,
        )

    def _done(self, result: Any) -> None:
        clipboard = QGuiApplication.clipboard()
        self._before = clipboard.text()
        clipboard.setText(result.text)
        if self.app.settings.ui.paste_back and hotkey.paste_into(self._source):
            said = "Pasted over the selection (Ctrl+Z there takes it back)."
        else:
            said = "The result is on the clipboard: paste it over the selection."
        self.note.tell(said, result.text, undo=True)

    def _failed(self, error: BaseException) -> None:
        self.note.tell("Stopped." if isinstance(error, Cancelled) else warning(error))

    def _finished(self) -> None:
        self._job = None

    def undo(self) -> None:
        """What the clipboard held before the result, back on it."""
        if self._before is not None:
            QGuiApplication.clipboard().setText(self._before)
            self._before = None
        self.note.tell("The clipboard holds what it did before.")
