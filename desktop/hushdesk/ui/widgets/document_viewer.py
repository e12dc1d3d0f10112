"""Opens a cited document at its page with the passage marked: a rendered PDF page, or
the section text of other formats. Pages render in a child process, off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QPainter, QPixmap, QTextCharFormat, QTextCursor
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
from hushdesk.services.shared import openable_locally
from hushdesk.ui.messages import warning
from hushdesk.ui.safe_text import SafeTextBrowser
from hushdesk.ui.tasks import Tasks

HIGHLIGHT = QColor(255, 214, 0, 110)


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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks, self.path, self.page, self.passage = tasks, path, page, passage
        self.cited_page = page
        self.page_count = 0
        self.highlighted = 0  # how many marks were drawn (for tests and screen readers)
        self.setWindowTitle(Path(path).name)
        self.resize(900, 1000)
        self.where = QLabel("")
        self.previous = QPushButton("◀ Previous")
        self.previous.setAccessibleName("Previous page")
        self.next = QPushButton("Next ▶")
        self.next.setAccessibleName("Next page")
        open_file = QPushButton("Open in its application")
        open_file.setAccessibleName("Open the document in its own application")
        bar = QHBoxLayout()
        bar.addWidget(self.where, 1)
        bar.addWidget(self.previous)
        bar.addWidget(self.next)
        bar.addWidget(open_file)
        self.image = QLabel("Rendering…")
        self.image.setAccessibleName("Page")
        self.image.setTextFormat(Qt.TextFormat.PlainText)  # errors name the file
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        self.text = SafeTextBrowser()
        self.text.setAccessibleName("Section text")
        self.stack = QStackedWidget()
        self.stack.addWidget(scroll)
        self.stack.addWidget(self.text)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        local = openable_locally(path)  # not a colleague's file: its name came from a server
        open_file.clicked.connect(self._open_in_its_application)
        open_file.setVisible(local)
        self.previous.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        self.unit = "Page" if paginated else "Section"
        if paginated and path.lower().endswith(".pdf") and local:
            self.show_page(page)
        else:  # its text as indexed (a shared library's file has no copy here)
            self._show_text(section_text, page)

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
        painter = QPainter(pixmap)
        for left, top, right, bottom in rendered.boxes:
            painter.fillRect(int(left), int(top), int(right - left), int(bottom - top), HIGHLIGHT)
        painter.end()
        self.image.setPixmap(pixmap)
        self.previous.setEnabled(self.page > 1)
        self.next.setEnabled(self.page < self.page_count)
        self.highlighted = len(rendered.boxes)

    def _show_text(self, text: str, section: int) -> None:
        self.stack.setCurrentIndex(1)
        self.previous.hide()
        self.next.hide()
        self.where.setText(f"{self.unit} {section}")
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
