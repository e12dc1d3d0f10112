"""Summarize: pick a document (a file, a library document, pasted text), a mode and a
length; watch the parts being summarized with an ETA, cancel and resume; read the
result with clickable page references; copy or export it. Summaries are kept with their
document, so choosing the document again shows them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.errors import Cancelled, EncryptedDocument, HushdeskError
from hushdesk.jobs import CancelToken, ProgressCallback, TextCallback
from hushdesk.services.summaries import Options, SavedSummary, Source
from hushdesk.ui import file_dialogs
from hushdesk.ui.markdown import MarkdownRenderer
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import ask_password, page_title, status_label, warning
from hushdesk.ui.pdf import markdown_pdf
from hushdesk.ui.safe_text import SafeTextBrowser, rich_label
from hushdesk.ui.tasks import Job, Latest, Tasks
from hushdesk.ui.widgets.chat_view import theme_from_palette
from hushdesk.ui.widgets.combo import LIBRARY_FILTER
from hushdesk.ui.widgets.document_viewer import DocumentViewer
from hushdesk.ui.widgets.job_bar import JobBar
from hushdesk.ui.widgets.paste_dialog import PasteDialog
from hushdesk.ui.widgets.small_model_notice import SmallModelNotice
from hushdesk.ui.widgets.summary_form import SummaryForm

log = logging.getLogger("hushdesk.ui")

STATUS_TEXT = {"running": " · running", "cancelled": " · stopped", "failed": " · failed"}


class SummarizePage(QWidget):
    modelsRequested = Signal()  # a larger model: the Models page

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.summaries = app.summaries
        self.source: Source | None = None
        self.shown: SavedSummary | None = None
        self.job: Job | None = None
        self.job_id: int | None = None
        self.viewer: DocumentViewer | None = None
        self._renderer = MarkdownRenderer(theme_from_palette(self.palette()))
        self._first_refresh = True
        self._lists = Latest(tasks, self._fill, self)
        self._select_after_refresh: int | None = None
        self._reading_path: Path | None = None
        self._build()
        self.refresh()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        split = QSplitter()
        split.addWidget(self._build_saved())
        split.addWidget(self._build_result())
        split.setStretchFactor(1, 1)
        split.setSizes([240, 700])
        layout = QVBoxLayout(self)
        self.form = form = SummaryForm()
        self.open_file, self.from_library, self.paste = (
            form.open_file,
            form.from_library,
            form.paste,
        )
        self.source_label, self.mode, self.start = form.source_label, form.mode, form.start
        layout.addWidget(page_title("Summarize"))
        layout.addWidget(form)
        layout.addWidget(self._build_running())
        layout.addWidget(split, 1)
        self._connect()
        self._show(None)

    def _build_running(self) -> QWidget:
        self.running = JobBar("Summary progress", stop="Cancel", stop_name="Cancel the summary")
        self.progress_label = self.running.label
        return self.running

    def _build_saved(self) -> QWidget:
        self.saved = QListWidget()
        self.saved.setAccessibleName("Saved summaries")
        self.delete = QPushButton("Delete")
        self.delete.setAccessibleName("Delete the summary")
        left = QWidget()
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(rich_label("<b>Summaries</b>"))
        side.addWidget(self.saved, 1)
        side.addWidget(self.delete)
        return left

    def _build_result(self) -> QWidget:
        self.view = SafeTextBrowser()
        self.view.setAccessibleName("Summary")
        self.view.setOpenLinks(False)
        self.view.setPlaceholderText(
            "The summary appears here, with the pages each statement "
            "comes from. Click a page to see it."
        )
        self.notice = status_label(name="Summary notes")
        self.small = SmallModelNotice()  # the model too small: said, with a larger one
        self.small.modelsRequested.connect(self.modelsRequested)
        self.resume = QPushButton("Resume")
        self.resume.setAccessibleName("Resume the summary")
        self.copy = QPushButton("Copy")
        self.export_button = QPushButton("Export…")
        self.export_button.setAccessibleName("Export as Markdown or Word")
        actions = QHBoxLayout()
        actions.addWidget(self.notice, 1)
        for button in (self.resume, self.copy, self.export_button):
            actions.addWidget(button)
        right = QWidget()
        body = QVBoxLayout(right)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.view, 1)
        body.addWidget(self.small)
        body.addLayout(actions)
        return right

    def _connect(self) -> None:
        self.open_file.clicked.connect(self._choose_file)
        self.paste.clicked.connect(self._paste)
        self.from_library.activated.connect(self._library_chosen)
        self.start.clicked.connect(self.summarize)
        self.running.stop.clicked.connect(self.stop)
        self.saved.currentItemChanged.connect(self._saved_chosen)
        self.delete.clicked.connect(self.delete_shown)
        self.resume.clicked.connect(self.resume_shown)
        self.copy.clicked.connect(self.copy_shown)
        self.export_button.clicked.connect(self._choose_export)
        self.view.anchorClicked.connect(self._open_reference)

    # -- lists ----------------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        """Reload the saved summaries and the library documents (off the GUI thread).
        Loads run two at a time and may end out of order: only the latest one's lists
        are shown."""
        select = select if select is not None else (self.shown.id if self.shown else None)
        first, self._first_refresh = self._first_refresh, False

        def load() -> tuple[list[SavedSummary], list[tuple[str, int]]]:
            if first:  # jobs a quit or a crash cut short are shown as resumable
                self.summaries.interrupted()
            return self.summaries.all(), self.summaries.library_documents()

        self._select_after_refresh = select
        self._lists.run(load)

    def _fill(self, found: tuple[list[SavedSummary], list[tuple[str, int]]]) -> None:
        # Results arrive through bound methods only: Qt drops them if the page is gone.
        saved, files = found
        select = self._select_after_refresh
        self.saved.blockSignals(True)
        self.saved.clear()
        for item in saved:
            when = time.strftime("%d %b %H:%M", time.localtime(item.updated_at))
            row = QListWidgetItem(
                f"{item.name}\n{item.title} · {when}{STATUS_TEXT.get(item.status, '')}"
            )
            row.setData(Qt.ItemDataRole.UserRole, item.id)
            row.setToolTip(item.error or item.model)
            self.saved.addItem(row)
            if item.id == select:
                self.saved.setCurrentItem(row)
        self.saved.blockSignals(False)
        self.from_library.clear()
        self.from_library.addItem("From a library…" if files else "No library documents", None)
        for label, file_id in files:
            self.from_library.addItem(label, file_id)
        if select is not None:
            match = next((s for s in saved if s.id == select), None)
            if match is not None:
                self._show(match)

    # -- choosing a source ----------------------------------------------------------------

    def _choose_file(self) -> None:
        path = file_dialogs.open_file(
            self, "Summarize a document", str(Path.home()), LIBRARY_FILTER
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path, password: str | None = None) -> None:
        """Read a file (in a child process: a hostile file cannot take the app down)."""
        self._reading(f"Reading {path.name}…")
        self._show_latest(path=str(path.resolve()))
        self._reading_path = path
        self.tasks.run(
            lambda: self.summaries.from_file(path, password=password),
            on_result=self.set_source,
            on_error=self._read_failed,
        )

    def _read_failed(self, error: BaseException) -> None:
        path = self._reading_path
        if isinstance(error, EncryptedDocument) and path is not None:
            password = ask_password(self, path.name)
            if password:
                self.open_path(path, password)
                return
        self._source_error(error)

    def _library_chosen(self, index: int) -> None:
        file_id = self.from_library.itemData(index)
        if file_id is not None:
            self.open_library_document(int(file_id))

    def open_library_document(self, file_id: int) -> None:
        self._reading("Reading the document…")
        self._show_latest(file_id=file_id)
        self.tasks.run(
            lambda: self.summaries.from_library(file_id),
            on_result=self.set_source,
            on_error=self._source_error,
        )

    def _paste(self) -> None:
        pasted = PasteDialog.ask(self)
        if pasted is not None:
            self.set_text(*pasted)

    def set_text(self, text: str, name: str = "Pasted text") -> None:
        try:
            self.set_source(self.summaries.from_text(text, name))
        except HushdeskError as exc:
            self._source_error(exc)

    def set_source(self, source: Source) -> None:
        self.source = source
        noun = "pages" if source.paginated else "sections"
        words = sum(len(p.text.split()) for p in source.pages)
        self.form.show_source(
            source.name, f"{len(source.pages)} {noun} · {words:,} words", " ".join(source.warnings)
        )
        self.start.setEnabled(self.job is None)
        self._show_latest(source=source.key)

    def _reading(self, text: str) -> None:
        self.source = None
        self.start.setEnabled(False)
        self.form.show_note(text)

    def _source_error(self, error: BaseException) -> None:
        self.form.show_note(warning(error))

    def _show_latest(
        self, *, source: str | None = None, file_id: int | None = None, path: str | None = None
    ) -> None:
        """Reopening a document shows its newest summary."""

        self.tasks.run(
            lambda: self.summaries.latest(source=source, file_id=file_id, path=path),
            on_result=self._latest_found,
        )

    def _latest_found(self, saved: SavedSummary | None) -> None:
        if saved is not None and self.job is None:
            self.refresh(select=saved.id)

    # -- running --------------------------------------------------------------------------

    def options(self) -> Options:
        return self.form.options()

    def summarize(self) -> None:
        if self.source is None or self.job is not None:
            return
        options = self.options()
        try:
            options.check()
        except HushdeskError as exc:
            self.notice.setText(warning(exc))
            return
        source = self.source
        self._run(lambda **kw: self.summaries.run(source, options, **kw))

    def resume_shown(self) -> None:
        if self.shown is not None and self.job is None:
            summary_id = self.shown.id
            self._run(lambda **kw: self.summaries.resume(summary_id, **kw))

    def _run(self, start: Callable[..., SavedSummary]) -> None:
        self.view.clear()
        self.notice.setText("")
        self.running.start("Starting…")
        self.start.setEnabled(False)
        self.resume.hide()

        def work(
            *,
            cancel: CancelToken,
            progress: ProgressCallback,
            on_text: TextCallback,
            event: Callable[[object], None],
        ) -> SavedSummary:
            return start(progress=progress, cancel=cancel, on_text=on_text, on_start=event)

        self.job = self.tasks.run(
            work,
            pool="model",
            job_args=True,
            title="Summarizing",
            on_progress=self.running.show_progress,
            on_event=self._started,
            on_text=self._live_text,
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._ended,
        )

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.progress_label.setText("Stopping…")

    def _started(self, summary_id: object) -> None:
        self.job_id = int(summary_id)  # type: ignore[call-overload]
        self.refresh(select=self.job_id)

    def _live_text(self, text: str) -> None:
        """The final summary as it is written (batched by the job)."""
        self.view.moveCursor(QTextCursor.MoveOperation.End)
        self.view.insertPlainText(text)
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum())

    def _done(self, saved: SavedSummary) -> None:
        self.refresh(select=saved.id)
        self._show(saved)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.notice.setText("Cancelled. Finished parts are kept: Resume continues from there.")
        else:
            self.notice.setText(warning(error))
        self.refresh(select=self.job_id)

    def _ended(self) -> None:
        self.job = None
        self.running.hide()
        self.start.setEnabled(self.source is not None)

    # -- the summary in view --------------------------------------------------------------

    def _saved_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None or self.job is not None:
            return
        summary_id = int(item.data(Qt.ItemDataRole.UserRole))
        self.tasks.run(lambda: self.summaries.get(summary_id), on_result=self._show)

    def changeEvent(self, event: QEvent) -> None:
        """A theme switch: the summary in view is drawn again in the new colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._renderer = MarkdownRenderer(theme_from_palette(self.palette()))
            if self.shown is not None and self.shown.summary is not None:
                self._show(self.shown)

    def _show(self, saved: SavedSummary | None) -> None:
        self.shown = saved
        finished = saved is not None and saved.summary is not None
        self.copy.setEnabled(finished)
        self.export_button.setEnabled(finished)
        self.delete.setEnabled(saved is not None and self.job is None)
        self.resume.setVisible(saved is not None and saved.status in ("cancelled", "failed"))
        self.small.show_for(None)
        if saved is None:
            self.view.clear()
            return
        if saved.summary is None:
            if saved.id != self.job_id or self.job is None:
                self.view.clear()
            state = "summarizing…" if saved.status == "running" else saved.error or "not finished"
            self.notice.setText(f"{saved.name} · {saved.title}: {state}")
            return
        self.view.setHtml(self._renderer.render(saved.markdown(links=True)).html)
        stats = saved.summary.stats
        passes = "one pass" if stats.single_pass else f"{stats.sections} parts"
        notes = [f"{saved.name} · {saved.title} · {saved.model} · {passes}"]
        if stats.dropped:
            notes.append(f"{stats.dropped} unsupported statements left out")
        if stats.kept_facts:
            notes.append(f"{stats.kept_facts} facts added from the text")
        if stats.restated:
            notes.append(f"{stats.restated} of {stats.copied} copied points put in plain words")
        if stats.left_out:
            notes.append(stats.left_out)
        self.small.show_for("summary" if saved.summary.model_struggled else None)
        self.notice.setText(" · ".join(notes))
        self.notice.setToolTip(
            "Every statement was checked against the pages it cites; "
            "statements the text does not support are left out."
        )

    def _open_reference(self, url: QUrl) -> None:
        saved = self.shown
        if saved is None or saved.summary is None or url.scheme() != "ref":
            return
        try:
            statement = saved.summary.statements[int(url.path())]
        except (ValueError, IndexError):
            return
        path, page = saved.path, statement.first
        pdf = bool(path and path.lower().endswith(".pdf") and Path(path).is_file())
        section = "" if pdf else self.summaries.page_text(saved, page)
        self.viewer = DocumentViewer(
            self.tasks,
            path or saved.name,
            page,
            statement.quote,
            paginated=pdf,
            section_text=section,
            parent=self,
        )
        self.viewer.show()

    def copy_shown(self) -> None:
        if self.shown is not None and self.shown.summary is not None:
            QGuiApplication.clipboard().setText(self.shown.markdown())
            self.notice.setText("Copied as Markdown.")

    def _choose_export(self) -> None:
        if self.shown is None:
            return
        stem = Path(self.shown.name).stem
        path = file_dialogs.save_file(
            self,
            "Export the summary",
            str(Path.home() / f"{stem} - summary.docx"),
            "Word document (*.docx);;PDF (*.pdf);;Markdown (*.md)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        saved = self.shown
        if saved is None:
            return
        if path.suffix.lower() == ".pdf":  # laid out by Qt, here; the others by the service
            try:
                self._exported(markdown_pdf(saved.markdown(), f"Summary of {saved.name}", path))
            except HushdeskError as exc:
                self._export_failed(exc)
            return
        self.tasks.run(
            lambda: self.summaries.export(saved, path),
            on_result=self._exported,
            on_error=self._export_failed,
        )

    def _exported(self, path: Path) -> None:
        self.notice.setText(f"Exported to {path}.")

    def _export_failed(self, error: BaseException) -> None:
        self.notice.setText(warning(error))

    def delete_shown(self) -> None:
        saved = self.shown
        if saved is None or self.job is not None:
            return
        if not confirm(
            self,
            "Delete summary",
            f"Delete this summary of {saved.name}?",
            "Delete summary",
            destructive=True,
        ):
            return
        self.tasks.run(lambda: self.summaries.delete(saved.id), on_finished=self._deleted)

    def _deleted(self) -> None:
        self._show(None)
        self.refresh()
