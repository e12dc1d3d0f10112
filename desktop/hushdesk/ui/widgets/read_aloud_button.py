"""Read aloud: an answer or a draft spoken by the offline voice, and stopped again.

Shown only where the user turned reading aloud on (Settings → Speech; off by default).
Click to hear the text its page offers (the last answer, the draft, the result), or
``read`` a given text (an answer's own "Read aloud" link); click again to stop. The
voice is synthesised in a child and played off the GUI thread: the button only follows
it (a timer), and says in plain words why it cannot speak.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QToolButton, QWidget

from hushdesk.errors import HushdeskError
from hushdesk.ui.icons import icon
from hushdesk.ui.message_box import tell

if TYPE_CHECKING:
    from hushdesk.services.recordings import Reading, Recordings

FOLLOW_MS = 200
_buttons: weakref.WeakSet[ReadAloudButton] = weakref.WeakSet()


def refresh_all() -> None:
    """Reading aloud was turned on or off (Settings → Speech): every button follows."""
    for button in list(_buttons):
        if shiboken6.isValid(button):  # a window closed since: its buttons are gone
            button.refresh()


class ReadAloudButton(QToolButton):
    offered = Signal(bool)  # reading aloud was turned on (True) or off

    def __init__(
        self,
        recordings: Recordings,
        text: Callable[[], str],
        what: str = "the answer",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._recordings, self._text, self._what = recordings, text, what
        self._reading: Reading | None = None
        self.setIcon(icon("volume-2"))
        self.setIconSize(QSize(18, 18))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCheckable(True)
        self.clicked.connect(self._clicked)
        self._timer = QTimer(self)
        self._timer.setInterval(FOLLOW_MS)
        self._timer.timeout.connect(self._follow)
        self._show_idle()
        self.refresh()
        _buttons.add(self)

    @property
    def reading(self) -> bool:
        return self._reading is not None

    def refresh(self) -> None:
        """Shown when reading aloud is turned on (Settings → Speech)."""
        on = self._recordings.settings.speech.read_aloud
        self.setVisible(on)
        if not on:
            self.stop()
        self.offered.emit(on)

    def read(self, text: str) -> None:
        """Read ``text`` aloud (what was being read stops first)."""
        self.stop()
        try:
            self._reading = self._recordings.read_aloud(text)
        except HushdeskError as exc:
            tell(self, "Read aloud", exc.message, kind="warning")
            self._show_idle()
            return
        self.setChecked(True)
        self.setText("Stop reading")
        self.setAccessibleName("Stop reading aloud")
        self.setToolTip("Stop the voice")
        self._timer.start()

    def stop(self) -> None:
        reading, self._reading = self._reading, None
        if reading is not None:
            reading.stop()
        self._timer.stop()
        self._show_idle()

    def _clicked(self) -> None:
        if self._reading is not None:
            self.stop()
        else:
            self.read(self._text())

    def _follow(self) -> None:
        reading = self._reading
        if reading is None or not reading.ended:
            return
        self._reading = None
        self._timer.stop()
        self._show_idle()
        if reading.problem:
            tell(self, "Read aloud", reading.problem, kind="warning")

    def _show_idle(self) -> None:
        self.setChecked(False)
        self.setText("Read aloud")
        self.setAccessibleName(f"Read {self._what} aloud")
        self.setToolTip(f"Read {self._what} aloud with the offline voice")
