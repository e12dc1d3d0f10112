"""The microphone button of a text box: dictation into it, offline.

Click (or Ctrl+Shift+D in the box) to start and again to stop; or hold it down while
speaking and let go (push-to-talk). The words so far appear where the cursor was,
selected, while a sentence is spoken, and settle when the speaker pauses; the text stays
editable and nothing is sent by itself. The audio is held in memory only, until it is
text. Speech comes back on other threads: it reaches the box through queued signals.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QMouseEvent, QShortcut, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolButton

from hushdesk.errors import HushdeskError
from hushdesk.ui.icons import icon
from hushdesk.ui.message_box import tell

if TYPE_CHECKING:
    from hushdesk.services.recordings import DictationSession, Recordings

HOLD_S = 0.5  # held this long, the button is push-to-talk: letting go stops
SHORTCUT = "Ctrl+Shift+D"


class DictationButton(QToolButton):
    heard = Signal(str, bool)  # text, final (from the dictation's thread)
    failed = Signal(str)

    def __init__(self, box: QPlainTextEdit | QTextEdit, recordings: Recordings) -> None:
        super().__init__(box.parentWidget())
        self._box, self._recordings = box, recordings
        self._session: DictationSession | None = None
        self._pressed_at = 0.0
        self._partial: tuple[int, int] | None = None  # where the words so far stand
        self.setIcon(icon("mic"))
        self.setIconSize(QSize(18, 18))
        self.setCheckable(True)
        self.setAccessibleName("Dictate")
        self._idle_tip()
        self.heard.connect(self._show)
        self.failed.connect(self._fail)
        self.toggled.connect(self._toggled)
        shortcut = QShortcut(QKeySequence(SHORTCUT), box)
        shortcut.activated.connect(self.toggle)

    @property
    def listening(self) -> bool:
        return self._session is not None

    def _idle_tip(self) -> None:
        self.setToolTip(
            f"Dictate ({SHORTCUT}): click to start and stop, or hold while you speak. "
            "Transcribed on this computer; the sound is never kept."
        )

    # -- push-to-talk: a long press stops when let go ---------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed_at = time.monotonic()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        held = time.monotonic() - self._pressed_at
        was_listening = self.listening
        super().mouseReleaseEvent(event)  # a click toggles
        if held >= HOLD_S and not was_listening and self.listening:
            self.setChecked(False)  # held to talk: letting go ends it

    # -- a session ---------------------------------------------------------------------------

    def _toggled(self, on: bool) -> None:
        if on and self._session is None:
            try:
                self._session = self._recordings.dictate(
                    on_partial=lambda text: self.heard.emit(text, False),
                    on_final=lambda text: self.heard.emit(text, True),
                    on_error=self.failed.emit,
                )
            except HushdeskError as exc:
                self._fail(exc.message)
                return
            self.setToolTip(f"Listening… click or press {SHORTCUT} to stop")
            self._show_listening(True)
            self._box.setFocus()
        elif not on and self._session is not None:
            session, self._session = self._session, None
            session.stop()  # what was being said still arrives, as final text
            self._show_listening(False)
            self._idle_tip()

    def _show_listening(self, on: bool) -> None:
        """While it listens the button says so in words, not only by being pressed."""
        self.setText("Listening…" if on else "")
        self.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if on
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )

    def _fail(self, message: str) -> None:
        self.blockSignals(True)
        self.setChecked(False)
        self.blockSignals(False)
        if self._session is not None:
            session, self._session = self._session, None
            session.stop()
        self._show_listening(False)
        self._idle_tip()
        tell(self, "Dictation", message, kind="warning")

    def _show(self, text: str, final: bool) -> None:
        """The words so far, selected where the cursor was; a pause settles them."""
        cursor = self._box.textCursor()
        if self._partial is not None:
            start, end = self._partial
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        start = cursor.selectionStart()
        before = self._box.toPlainText()[max(0, start - 1) : start]
        spoken = text.strip()
        if spoken and before and not before.isspace():
            spoken = " " + spoken
        if final and spoken:
            spoken += " "
        cursor.insertText(spoken)
        if final:
            self._partial = None
            self._box.setTextCursor(cursor)
            return
        self._partial = (start, start + len(spoken))
        cursor.setPosition(start)
        cursor.setPosition(start + len(spoken), QTextCursor.MoveMode.KeepAnchor)
        self._box.setTextCursor(cursor)
