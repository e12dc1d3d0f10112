"""Compare two versions of a document: pick (or drop) the old and the new file, compare
off the GUI thread with progress and Cancel, read the summary of the material changes
and every change with its words marked and the page on each side; a page opens the
document there; Export redline… writes a Word file with tracked changes.

Self-contained, to be placed by a page (the Review page): ``CompareView(app.compare,
tasks)`` needs only the ``Compare`` service and the window's ``Tasks``; it emits
``compared`` with each finished ``Comparison``. Document text and file names reach the
screen only as plain text (cursor insertions with a format, never markup), so a
document cannot inject rich text; links are our own ``page:`` addresses.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken, ProgressCallback, TextCallback
from hushdesk.services.compare import Change, Compare, Comparison, Op, Side
from hushdesk.ui import file_dialogs
from hushdesk.ui.messages import status_label, warning
from hushdesk.ui.safe_text import SafeTextBrowser
from hushdesk.ui.tasks import Job, Tasks
from hushdesk.ui.theme import colours
from hushdesk.ui.widgets.combo import DOCUMENT_FILTER
from hushdesk.ui.widgets.document_viewer import DocumentViewer
from hushdesk.ui.widgets.job_bar import JobBar

KIND_TITLES = {"changed": "Changed", "added": "Added", "removed": "Removed", "moved": "Moved"}
KIND_COLOURS = {"changed": "warning", "added": "link", "removed": "danger", "moved": "muted"}
CONTEXT_WORDS = 14  # of unchanged text kept on each side of a change (the rest: "…")


def _local_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]


class FilePicker(QFrame):
    """One version: the chosen file's name, Choose…, and a place to drop a file."""

    chosen = Signal(object)  # the Path

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setAcceptDrops(True)
        self.path: Path | None = None
        self.title = QLabel(title)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.name = QLabel("Drop a file here or choose one")
        self.name.setTextFormat(Qt.TextFormat.PlainText)  # a file name is not markup
        self.name.setProperty("role", "muted")
        self.choose = QPushButton("Choose…")
        self.choose.setAccessibleName(f"Choose the {title.lower()}")
        layout = QHBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.choose)
        self.choose.clicked.connect(self._ask)

    def _ask(self) -> None:
        path = file_dialogs.open_file(
            self, f"Choose the {self.title.text().lower()}", str(Path.home()), DOCUMENT_FILTER
        )
        if path:
            self.set_path(Path(path))

    def set_path(self, path: Path) -> None:
        self.path = path
        self.name.setText(path.name)
        self.name.setToolTip(str(path))
        self.name.setProperty("role", "")
        self.chosen.emit(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _local_files(event)
        if files:
            self.set_path(files[0])
            event.acceptProposedAction()


class CompareView(QWidget):
    compared = Signal(object)  # the finished Comparison

    def __init__(self, compare: Compare, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service, self.tasks = compare, tasks
        self.result: Comparison | None = None
        self.job: Job | None = None
        self.viewer: DocumentViewer | None = None
        self.setAcceptDrops(True)
        self.old, self.new = FilePicker("Old version"), FilePicker("New version")
        self.summarize = QCheckBox("Summarize the material changes (uses the chat model)")
        self.summarize.setChecked(True)
        self.start = QPushButton("Compare")
        self.start.setProperty("role", "primary")
        self.start.setEnabled(False)
        self.running = JobBar(
            "Comparison progress", stop="Cancel", stop_name="Cancel the comparison"
        )
        self.notice = status_label(name="Comparison notes")
        self.view = SafeTextBrowser()
        self.view.setAccessibleName("Changes")
        self.view.setOpenLinks(False)
        self.view.setPlaceholderText(
            "The summary and every change appear here, with the page on each side. "
            "Click a page to see it."
        )
        self.export_button = QPushButton("Export redline…")
        self.export_button.setAccessibleName("Export a redline as a Word document")
        self.export_button.setEnabled(False)
        actions = QHBoxLayout()
        actions.addWidget(self.summarize, 1)
        actions.addWidget(self.start)
        bottom = QHBoxLayout()
        bottom.addWidget(self.notice, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.old, self.new):
            layout.addWidget(widget)
        layout.addLayout(actions)
        layout.addWidget(self.running)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.old.chosen.connect(self._chosen)
        self.new.chosen.connect(self._chosen)
        self.start.clicked.connect(self.run)
        self.running.stopRequested.connect(self.stop)
        self.view.anchorClicked.connect(self._open_page)
        self.export_button.clicked.connect(self._choose_export)

    # -- files ----------------------------------------------------------------------------

    def set_files(self, old: Path, new: Path) -> None:
        self.old.set_path(old)
        self.new.set_path(new)

    def _chosen(self, _path: object = None) -> None:
        self.start.setEnabled(self.job is None and bool(self.old.path and self.new.path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Two files dropped: the old and the new; one: whichever is still missing."""
        files = _local_files(event)
        if len(files) >= 2:
            self.set_files(files[0], files[1])
        elif files:
            (self.new if self.old.path and not self.new.path else self.old).set_path(files[0])
        if files:
            event.acceptProposedAction()

    # -- running --------------------------------------------------------------------------

    def run(self) -> None:
        old, new = self.old.path, self.new.path
        if old is None or new is None or self.job is not None:
            return
        summary = self.summarize.isChecked()
        self.notice.setText("")
        self.running.start("Starting…")
        self.start.setEnabled(False)

        def work(
            *, cancel: CancelToken, progress: ProgressCallback, on_text: TextCallback, **_: object
        ) -> Comparison:
            return self.service.run(
                old, new, summary=summary, progress=progress, cancel=cancel, on_text=on_text
            )

        self.job = self.tasks.run(
            work,
            pool="model",
            job_args=True,
            title="Comparing",
            on_progress=self.running.show_progress,
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._ended,
        )

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.running.label.setText("Stopping…")

    def _done(self, result: Comparison) -> None:
        self.result = result
        self.export_button.setEnabled(True)
        self._render()
        count = len(result.changes)
        notes = [f"{count} change{'s' * (count != 1)}" if count else "No changes"]
        if result.summary is not None and result.summary.dropped:
            notes.append(f"{result.summary.dropped} unsupported statements left out")
        self.notice.setText(" · ".join([*notes, *result.notes]))
        self.compared.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.notice.setText("Cancelled." if isinstance(error, Cancelled) else warning(error))

    def _ended(self) -> None:
        self.job = None
        self.running.hide()
        self._chosen()

    # -- the result -----------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        """A theme switch: the result is drawn again in the new colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.result is not None:
            self._render()

    def _colours(self) -> dict[str, str]:
        dark = self.palette().color(self.palette().ColorRole.Base).lightness() < 128
        return colours("dark" if dark else "light")

    def _render(self) -> None:
        result = self.result
        if result is None:
            return
        self.view.clear()
        writer = _Writer(QTextCursor(self.view.document()), self._colours())
        summary = result.summary
        if summary is not None and summary.statements:
            writer.line("Summary of the changes", bold=True)
            for statement in summary.statements:
                writer.text("• " + statement.text, italic=not statement.written)
                for n in statement.changes:
                    writer.text(" ")
                    writer.pages(result, result.changes[n - 1], n)
                writer.end()
            writer.end()
        if not result.changes:
            writer.line("The two versions say the same (formatting aside).")
        for n, change in enumerate(result.changes, start=1):
            writer.text(
                f"[{n}] {KIND_TITLES[change.kind]}", bold=True, colour=KIND_COLOURS[change.kind]
            )
            writer.text("  ")
            writer.pages(result, change, n)
            writer.end()
            writer.sides(change)
            writer.end()
        self.view.moveCursor(QTextCursor.MoveOperation.Start)

    def _open_page(self, url: QUrl) -> None:
        """``page:old/4`` or ``page:new/4``: that version at that page."""
        result = self.result
        if result is None or url.scheme() != "page":
            return
        which, _, number = url.path().partition("/")
        n = int(url.fragment()) if url.fragment().isdigit() else 0
        change = result.changes[n - 1] if 1 <= n <= len(result.changes) else None
        source = result.old if which == "old" else result.new
        side: Side | None = None
        if change is not None:
            side = change.old if which == "old" else change.new
        page = int(number)
        path = source.path or source.name
        pdf = bool(source.paginated and path.lower().endswith(".pdf") and Path(path).is_file())
        section = "" if pdf else next((p.text for p in source.pages if p.number == page), "")
        self.viewer = DocumentViewer(
            self.tasks,
            path,
            page,
            side.text if side else "",
            paginated=pdf,
            section_text=section,
            parent=self,
        )
        self.viewer.show()

    def _choose_export(self) -> None:
        if self.result is None:
            return
        stem = Path(self.result.new.name).stem
        path = file_dialogs.save_file(
            self,
            "Export the redline",
            str(Path.home() / f"{stem} - redline.docx"),
            "Word document (*.docx)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        result = self.result
        if result is None:
            return
        self.tasks.run(
            lambda: self.service.export(result, path),
            on_result=lambda saved: self.notice.setText(f"Exported to {saved}."),
            on_error=lambda error: self.notice.setText(warning(error)),
        )


class _Writer:
    """Plain text into the result's document, a format at a time (no markup)."""

    def __init__(self, cursor: QTextCursor, palette: dict[str, str]) -> None:
        self.cursor, self.palette = cursor, palette

    def text(
        self,
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        colour: str | None = None,
        op: Op = "equal",
        href: str | None = None,
    ) -> None:
        form = QTextCharFormat()
        if bold:
            form.setFontWeight(QFont.Weight.Bold)
        form.setFontItalic(italic)
        if colour is not None:
            form.setForeground(QColor(self.palette[colour]))
        if op == "delete":
            form.setForeground(QColor(self.palette["danger"]))
            form.setFontStrikeOut(True)
        elif op == "insert":
            form.setForeground(QColor(self.palette["link"]))
            form.setFontUnderline(True)
        if href is not None:
            form.setAnchor(True)
            form.setAnchorHref(href)
            form.setForeground(QColor(self.palette["link"]))
            form.setFontUnderline(True)
        self.cursor.insertText(text, form)

    def end(self) -> None:
        self.cursor.insertBlock()

    def line(self, text: str, *, bold: bool = False) -> None:
        self.text(text, bold=bold)
        self.end()

    def pages(self, result: Comparison, change: Change, n: int) -> None:
        """ "old p. 4 / new p. 5", each side a link to its page."""
        for which, side, source in (
            ("old", change.old, result.old),
            ("new", change.new, result.new),
        ):
            if which == "new":
                self.text(" / ")
            if side is None:
                self.text(f"{which} —", colour="muted")
            else:
                where = source.where(side.page, side.page)
                self.text(f"{which} {where}", href=f"page:{which}/{side.page}#{n}")

    def sides(self, change: Change) -> None:
        if change.kind in ("changed", "moved") and change.words:
            self.text("Old: ", colour="muted")
            self._words(change.words, "insert")
            self.end()
            self.text("New: ", colour="muted")
            self._words(change.words, "delete")
        elif change.old is not None:
            self.text("Old: ", colour="muted")
            self.text(change.old.text, op="delete")
        elif change.new is not None:
            self.text("New: ", colour="muted")
            self.text(change.new.text, op="insert")
        self.end()

    def _words(self, words: tuple[tuple[Op, str], ...], leave: Op) -> None:
        shown = [(op, text) for op, text in words if op != leave]
        for n, (op, text) in enumerate(shown):
            cut = _context(text, first=n == 0, last=n == len(shown) - 1) if op == "equal" else text
            self.text(("" if n == 0 else " ") + cut, op=op)


def _context(text: str, *, first: bool, last: bool) -> str:
    """Unchanged words around a change, long stretches cut to their ends."""
    words = text.split()
    if len(words) <= 2 * CONTEXT_WORDS:
        return text
    head = [] if first else words[:CONTEXT_WORDS]
    tail = [] if last else words[-CONTEXT_WORDS:]
    if first:
        return " ".join(["…", *words[-CONTEXT_WORDS:]])
    if last:
        return " ".join([*words[:CONTEXT_WORDS], "…"])
    return " ".join([*head, "…", *tail])
