"""Opens a cited document at its page with the passage marked: a rendered PDF page, or
the section text of other formats. Pages render in a child process, off the GUI thread.

Sized to the screen it opens on; a page fits the width by default and zooms (Ctrl +/−,
Ctrl+0 fits again); the marked passage is scrolled into view; ←/→, Page Up/Down, Home
and End turn the pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QKeySequence,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.documents import RenderedPage, render
from hushdesk.services.recordings import Playback
from hushdesk.services.shared import openable_locally
from hushdesk.ui.icons import icon
from hushdesk.ui.message_box import tell
from hushdesk.ui.messages import warning
from hushdesk.ui.safe_text import SafeTextBrowser
from hushdesk.ui.tasks import Tasks

HIGHLIGHT = QColor(255, 214, 0, 110)
PREFERRED = QSize(900, 1000)  # a page and its bar, where the screen has room
SCREEN_SHARE = 0.9  # at most this much of the screen's free area
ZOOM_STEP = 1.25
ZOOM_RANGE = (0.25, 4.0)  # of the page's own width as rendered


def fitted_size(available: QRect) -> QSize:
    """The viewer's size on a screen whose free area is ``available``."""
    return QSize(
        min(PREFERRED.width(), int(available.width() * SCREEN_SHARE)),
        min(PREFERRED.height(), int(available.height() * SCREEN_SHARE)),
    )


class DocumentViewer(QDialog):
    def __init__(
        self,
        tasks: Tasks,
        path: str,
        page: int,
        passage: str,
        *,
        paginated: bool = True,
        section_text: str = "",
        label: str = "",
        play_from: tuple[str, Callable[[], Playback]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks, self.path, self.page, self.passage = tasks, path, page, passage
        self.cited_page = page
        self.page_count = 0
        self.highlighted = 0  # how many marks were drawn (for tests and screen readers)
        self.zoom: float | None = None  # of the rendered page's width; None: fit the width
        self._page_image = QPixmap()  # the rendered page, its marks drawn on it
        self._marks: list[QRect] = []
        self.setWindowTitle(Path(path).name)
        self._fit_screen(parent)
        self.where = QLabel("")
        self.previous = _button("Previous", "Previous page")
        self.next = _button("Next", "Next page")
        self.smaller = _button("−", "Zoom out (Ctrl+−)")
        self.fit = _button("Fit width", "Fit the page to the width (Ctrl+0)")
        self.larger = _button("+", "Zoom in (Ctrl++)")
        open_file = _button("Open in its application", "Open the document in its own application")
        self.play = self._player(play_from)
        bar = QHBoxLayout()
        bar.addWidget(self.where, 1)
        for button in (self.play, self.smaller, self.fit, self.larger, self.previous, self.next,
                       open_file):  # fmt: skip
            bar.addWidget(button)
        self.image = QLabel("Rendering…")
        self.image.setAccessibleName("Page")
        self.image.setTextFormat(Qt.TextFormat.PlainText)  # errors name the file
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.pages_view = QScrollArea()
        self.pages_view.setWidget(self.image)
        self.pages_view.setWidgetResizable(True)
        self.text = SafeTextBrowser()
        self.text.setAccessibleName("Section text")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.pages_view)
        self.stack.addWidget(self.text)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        local = openable_locally(path)  # not a colleague's file: its name came from a server
        open_file.clicked.connect(self._open_in_its_application)
        open_file.setVisible(local)
        self._controls()
        self.unit = "Page" if paginated else "Section"
        self.label = label  # a spreadsheet's row: "sheet Rents, row 7" (a file's words)
        if paginated and path.lower().endswith(".pdf") and local:
            self.show_page(page)
        else:  # its text as indexed (a shared library's file has no copy here)
            self._show_text(section_text, page)

    def _fit_screen(self, parent: QWidget | None) -> None:
        screen = (parent.screen() if parent is not None else None) or self.screen()
        available = screen.availableGeometry()
        size = fitted_size(available)
        self.resize(size)
        self.move(available.center() - QRect(0, 0, size.width(), size.height()).center())

    def _controls(self) -> None:
        """The bar's buttons and the viewer's keys."""
        self.previous.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        self.smaller.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.larger.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.fit.clicked.connect(self.fit_width)
        bindings = (
            ((QKeySequence.StandardKey.ZoomIn, "Ctrl+="), lambda: self.zoom_by(ZOOM_STEP)),
            ((QKeySequence.StandardKey.ZoomOut,), lambda: self.zoom_by(1 / ZOOM_STEP)),
            (("Ctrl+0",), self.fit_width),
            (("Right", "PgDown"), lambda: self.show_page(self.page + 1)),
            (("Left", "PgUp"), lambda: self.show_page(self.page - 1)),
            (("Home",), lambda: self.show_page(1)),
            (("End",), lambda: self.show_page(self.page_count or self.page)),
        )
        for keys, slot in bindings:
            for key in keys:
                QShortcut(QKeySequence(key), self).activated.connect(slot)

    # -- zoom -----------------------------------------------------------------------------

    def zoom_by(self, factor: float) -> None:
        if self._page_image.isNull():
            return
        now = self.zoom if self.zoom is not None else self._fitted_zoom()
        self.zoom = min(max(now * factor, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        self._place()

    def fit_width(self) -> None:
        self.zoom = None
        self._place()

    def _fitted_zoom(self) -> float:
        view = self.pages_view  # its width less a scroll bar, shown or not: the same fit
        room = view.width() - 2 * view.frameWidth() - view.verticalScrollBar().sizeHint().width()
        return max(room, 100) / max(self._page_image.width(), 1)

    def _place(self) -> None:
        """The page at the zoom in use, the first mark in view."""
        if self._page_image.isNull():
            return
        zoom = self.zoom if self.zoom is not None else self._fitted_zoom()
        width = max(int(self._page_image.width() * zoom), 1)
        shown = self._page_image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(shown)
        self.fit.setEnabled(self.zoom is not None)
        if self._marks:
            first = self._marks[0]
            self.image.adjustSize()
            self.pages_view.ensureVisible(
                int(first.center().x() * zoom), int(first.center().y() * zoom), 50, 120
            )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.zoom is None:
            self._place()  # still fits the width

    def _open_in_its_application(self) -> None:
        if openable_locally(self.path):  # checked again: never a path a server named
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.path))

    def show_page(self, page: int) -> None:
        if page < 1 or (self.page_count and page > self.page_count):
            return
        self.page = page
        self.where.setText(f"Page {page}" + (f" of {self.page_count}" if self.page_count else ""))
        self.image.setText("Rendering…")
        passage = self.passage if page == self.cited_page else ""
        self.tasks.run(
            lambda: render(self.path, page, passage),
            on_result=self._show_image,
            on_error=lambda e: self.image.setText(warning(e)),
        )

    def _show_image(self, rendered: RenderedPage) -> None:
        self.page_count = rendered.page_count
        self.where.setText(f"Page {self.page} of {self.page_count}")
        pixmap = QPixmap()
        pixmap.loadFromData(rendered.png, "PNG")
        self._marks = [
            QRect(int(left), int(top), int(right - left), int(bottom - top))
            for left, top, right, bottom in rendered.boxes
        ]
        painter = QPainter(pixmap)
        for mark in self._marks:
            painter.fillRect(mark, HIGHLIGHT)
        painter.end()
        self._page_image = pixmap
        self._place()
        self.previous.setEnabled(self.page > 1)
        self.next.setEnabled(self.page < self.page_count)
        self.highlighted = len(rendered.boxes)

    def _show_text(self, text: str, section: int) -> None:
        self.stack.setCurrentIndex(1)
        for button in (self.previous, self.next, self.smaller, self.fit, self.larger):
            button.hide()
        here = self.label[:1].upper() + self.label[1:] if self.label else f"{self.unit} {section}"
        self.where.setText(here)  # a plain-text label (safe_text.TextPolicy)
        self.text.setPlainText(text)
        cursor = self.text.document().find(self.passage[:200])
        if cursor.isNull():
            cursor = self.text.document().find(" ".join(self.passage.split()[:6]))
        if not cursor.isNull():
            marked = QTextCharFormat()
            marked.setBackground(HIGHLIGHT)
            cursor.mergeCharFormat(marked)
            self.text.setTextCursor(QTextCursor(cursor))
        self.highlighted = 0 if cursor.isNull() else 1

    # -- a recording: played from where its words were said --------------------------------

    def _player(self, play_from: tuple[str, Callable[[], Playback]] | None) -> QPushButton:
        """ "Play from 12:31" where the passage is a recording's (hidden otherwise)."""
        self._play_from = play_from
        self.playback: Playback | None = None
        self._watch = QTimer(self, interval=250)
        self._watch.timeout.connect(self._watch_playback)
        button = _button(f"Play from {play_from[0]}" if play_from else "", "Play the recording")
        button.setIcon(icon("play"))
        button.setVisible(play_from is not None)
        button.clicked.connect(self._play_or_stop)
        return button

    def _play_or_stop(self) -> None:
        if self.playback is not None:
            self._stop_playing()
            return
        if self._play_from is None:
            return
        self.playback = self._play_from[1]()
        self.play.setText("Stop")
        self._watch.start()

    def _watch_playback(self) -> None:
        if self.playback is None:
            return
        problem = self.playback.problem
        if problem or self.playback.ended:
            self._stop_playing()
            if problem:
                tell(self, "Play the recording", problem, kind="warning")

    def _stop_playing(self) -> None:
        self._watch.stop()
        playback, self.playback = self.playback, None
        if playback is not None:
            playback.stop()
        if self._play_from is not None:
            self.play.setText(f"Play from {self._play_from[0]}")

    def done(self, result: int) -> None:
        self._stop_playing()  # closing the page stops the sound
        super().done(result)


def _button(text: str, name: str) -> QPushButton:
    """A bar button that Enter never presses by itself (a dialog's first button would
    otherwise be its default, drawn as the primary one)."""
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(name)
    button.setAutoDefault(False)
    return button
