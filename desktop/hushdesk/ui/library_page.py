"""The Documents page: libraries, their files with per-file status, indexing with
progress and ETA, drag and drop, a watched folder, and a quick search."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hushdesk.core import Core
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback
from hushdesk.library.service import FileEvent, IngestReport, SearchResult
from hushdesk.library.store import FileRecord, Library
from hushdesk.ui.tasks import Task, Tasks
from hushdesk.ui.widgets.document_viewer import DocumentViewer

log = logging.getLogger("hushdesk.ui")

STATUS_TEXT = {
    "queued": "Queued", "parsing": "Reading…", "embedding": "Indexing…", "done": "Ready",
    "failed": "Failed", "unchanged": "Ready", "duplicate": "Ready (duplicate)",
}  # fmt: skip
POLL_MS = 30_000  # watched folders are also checked this often
Signature = tuple[tuple[str, int], ...]
COLUMNS = ("File", "Type", "Pages", "Status", "Notes")
Report = Callable[[FileEvent], None]


class LibraryPage(QWidget):
    librariesChanged = Signal()
    summarizeRequested = Signal(int)  # a document's file id

    def __init__(self, core: Core, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core, self.tasks = core, tasks
        self.documents = core.documents
        self.library: Library | None = None
        self._task: Task | None = None
        self.setAcceptDrops(True)
        self.setAccessibleName("Documents")
        self.watcher = QFileSystemWatcher(self)
        self._rescan = QTimer(self, singleShot=True, interval=2000)
        self._rescan.timeout.connect(self.sync_watched)
        self.watcher.directoryChanged.connect(lambda _p: self._rescan.start())
        # Network shares and busy systems do not always report changes: a light poll of the
        # watched folders' modification times catches what the watcher missed.
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._poll_watched)
        self._signature: Signature = ()
        self._listing = 0  # the newest folder listing asked for
        self._after_listing: Callable[[], None] | None = None
        self._refresh_soon = QTimer(self, singleShot=True, interval=300)
        self._refresh_soon.timeout.connect(self.refresh_files)
        self._waiting: list[tuple[Library, list[Path], dict[str, str]]] = []  # adds during a job
        self._job_libraries: list[Library] = []  # what the running (or paused) job indexes
        self._again: Callable[[], None] | None = None  # starts that job over
        self._paused = False
        self._cancelling = False
        self._build()
        self.refresh_libraries()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter()
        splitter.addWidget(self._build_sidebar())
        splitter.addWidget(self._build_body())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Documents</h2>"))
        layout.addWidget(splitter, 1)
        self.add_files.clicked.connect(self._choose_files)
        self.add_folder.clicked.connect(self._choose_folder)
        self.watch.clicked.connect(self._choose_watch)
        self.remove_file.clicked.connect(self._remove_selected)
        self.summarize.clicked.connect(self._summarize_selected)
        self.password.clicked.connect(self._ask_password)
        self.stop.clicked.connect(self._pause_or_resume)
        self.cancel.clicked.connect(self.cancel_indexing)
        self.query.returnPressed.connect(self.search)
        self.results.itemActivated.connect(self._open_result)

    def _build_sidebar(self) -> QWidget:
        self.libraries = QListWidget()
        self.libraries.setAccessibleName("Libraries")
        new = QPushButton("New library…")
        new.setAccessibleName("New library")
        remove = QPushButton("Delete library…")
        remove.setAccessibleName("Delete library")
        left = QWidget()
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("<b>Libraries</b>"))
        side.addWidget(self.libraries, 1)
        side.addWidget(new)
        side.addWidget(remove)
        new.clicked.connect(self.new_library)
        remove.clicked.connect(self.delete_library)
        self.libraries.currentItemChanged.connect(lambda item, _old: self._select(item))
        return left

    def _build_running(self) -> None:
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Indexing progress")
        self.progress.setRange(0, 1000)
        self.progress_label = QLabel("")
        self.stop = QPushButton("Pause")
        self.stop.setAccessibleName("Pause indexing")
        self.stop.setToolTip("Stops after the current step; Resume continues from there")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel indexing")
        self.cancel.setToolTip("Stops and takes the files not indexed yet out of the library")
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.progress_label, 1)
        running.addWidget(self.stop)
        running.addWidget(self.cancel)
        self.running = QWidget()
        self.running.setLayout(running)
        self.running.hide()

    def _build_search(self) -> None:
        self.query = QLineEdit()
        self.query.setAccessibleName("Search this library")
        self.query.setPlaceholderText("Search this library (Enter); double-click to open a result")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setWordWrap(True)
        self.status = QLabel("Drop files or folders here to add them.")
        self.status.setWordWrap(True)

    def _build_body(self) -> QWidget:
        self.title = QLabel("")
        self.title.setWordWrap(True)
        buttons = QHBoxLayout()
        self.add_files = QPushButton("Add files…")
        self.add_folder = QPushButton("Add folder…")
        self.watch = QPushButton("Watch a folder…")
        self.remove_file = QPushButton("Remove file")
        self.summarize = QPushButton("Summarize")
        self.summarize.setToolTip("Summarize the selected document, with page references")
        self.password = QPushButton("Enter password…")
        self.embedding = QComboBox()
        self.embedding.setAccessibleName("Embedding model of this library")
        self.embedding.setToolTip("How passages are matched to questions; changing it "
                                  "re-indexes the library")  # fmt: skip
        for button in (self.add_files, self.add_folder, self.watch, self.remove_file,
                       self.summarize, self.password):  # fmt: skip
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Matching:"))
        buttons.addWidget(self.embedding)
        self.embedding.activated.connect(self._embedding_chosen)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Files in the library")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self._build_running()
        self._build_search()
        right = QWidget()
        body = QVBoxLayout(right)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.title)
        body.addLayout(buttons)
        body.addWidget(self.table, 3)
        body.addWidget(self.running)
        body.addWidget(self.status)
        body.addWidget(self.query)
        body.addWidget(self.results, 2)
        return right

    # -- libraries ------------------------------------------------------------------------

    def refresh_libraries(self) -> None:
        current = self.library.name if self.library else None
        self.libraries.blockSignals(True)
        self.libraries.clear()
        for library in self.documents.store.libraries():
            item = QListWidgetItem(library.name)
            item.setData(Qt.ItemDataRole.UserRole, library.name)
            self.libraries.addItem(item)
            if library.name == current:
                self.libraries.setCurrentItem(item)
        self.libraries.blockSignals(False)
        if self.libraries.currentItem() is None and self.libraries.count():
            self.libraries.setCurrentRow(0)
        self._select(self.libraries.currentItem())
        self._watch_all()

    def _select(self, item: QListWidgetItem | None) -> None:
        if item is None:
            self.library = None
            self.title.setText("Create a library to add documents to.")
            self.table.setRowCount(0)
            self._enable(False)
            return
        self.library = self.documents.library(str(item.data(Qt.ItemDataRole.UserRole)))
        self._enable(True)
        self.embedding.clear()
        for model in self.core.registry.list("embedding"):
            if model.available:
                self.embedding.addItem(model.name, model.id)
        self.embedding.setCurrentIndex(
            max(0, self.embedding.findData(self.library.embedding_model))
        )
        self.refresh_files()

    def _enable(self, on: bool) -> None:
        for widget in (self.add_files, self.add_folder, self.watch, self.remove_file,
                       self.summarize, self.password, self.query):  # fmt: skip
            widget.setEnabled(on)

    def new_library(self) -> None:
        name, ok = QInputDialog.getText(self, "New library", "Name (e.g. Client — Smith lease):")
        if ok and name.strip():
            self.create_library(name.strip())

    def create_library(self, name: str) -> Library:
        library = self.documents.library(name)
        self.library = library
        self.refresh_libraries()
        self.librariesChanged.emit()
        return library

    def delete_library(self) -> None:
        if self.library is None:
            return
        answer = QMessageBox.question(
            self, "Delete library",
            f"Delete the library “{self.library.name}”? Your files stay where they are; only "
            "Hushdesk's index of them is removed.",
        )  # fmt: skip
        if answer == QMessageBox.StandardButton.Yes:
            library, documents = self.library, self.documents
            self.library = None

            def work() -> None:
                documents.index.drop(library)
                documents.store.delete_library(library)

            def done() -> None:
                self.refresh_libraries()
                self.librariesChanged.emit()

            self.tasks.run(work, pool="ingest", on_finished=done, on_error=self._failed)

    # -- files ----------------------------------------------------------------------------

    def refresh_files(self) -> None:
        library = self.library
        if library is None:
            return
        files = self.documents.store.files(library)
        done = sum(1 for f in files if f.status == "done")
        watch = f" · watching {library.watch_folder}" if library.watch_folder else ""
        passages = self.documents.store.chunk_count(library)
        self.title.setText(
            f"<b>{library.name}</b> — {done} of {len(files)} files ready "
            f"· {passages:,} passages{watch}"
        )
        self.table.setRowCount(len(files))
        for row, record in enumerate(files):
            self._fill_row(row, record)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(3, max(self.table.columnWidth(3), 130))  # "Indexing…" fits

    def _fill_row(self, row: int, record: FileRecord) -> None:
        notes = record.error or "; ".join(record.warnings)
        cells = (
            record.name, (record.kind or Path(record.path).suffix.lstrip(".")).upper(),
            str(record.pages or ""), self._status_text(record.status), notes,
        )  # fmt: skip
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, record.path)
            item.setToolTip(record.path if column == 0 else notes)
            self.table.setItem(row, column, item)

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None
        return item

    def _status_text(self, status: str) -> str:
        if self._task is None and status in ("parsing", "embedding"):
            status = "queued"  # an interrupted step: it starts over when indexing goes on
        return STATUS_TEXT.get(status, status)

    def _selected_paths(self) -> list[str]:
        rows = {i.row() for i in self.table.selectedItems()}
        return [str(self._cell(r, 0).data(Qt.ItemDataRole.UserRole)) for r in sorted(rows)]

    def _summarize_selected(self) -> None:
        library = self.library
        paths = self._selected_paths()
        if library is None or not paths:
            self.status.setText("Select a document to summarize.")
            return
        record = self.documents.store.file(library, paths[0])
        if record is None or record.status != "done":
            self.status.setText("That document is not ready yet: it is still being indexed.")
            return
        self.summarizeRequested.emit(record.id)

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Add documents", str(Path.home()),
            "Documents (*.pdf *.docx *.txt *.md *.html *.htm *.epub);;All files (*)",
        )  # fmt: skip
        if paths:
            self.add([Path(p) for p in paths])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder", str(Path.home()))
        if folder:
            self.add([Path(folder)])

    def _choose_watch(self) -> None:
        if self.library is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Watch a folder", str(Path.home()))
        if folder:
            self.watch_folder(Path(folder))

    def watch_folder(self, folder: Path) -> None:
        """New, changed and deleted files in ``folder`` are indexed as they happen."""
        if self.library is None:
            return
        self.documents.store.set_watch_folder(self.library, str(folder.resolve()))
        self.library = self.documents.library(self.library.name)
        self.resume()

    def resume(self) -> None:
        """Watch the watched folders, then finish interrupted indexing and rescan them: the
        watch comes first so that no change falls between the scan and the watch."""
        self._watch_all(then=self.sync_watched)

    def _watch_all(self, then: Callable[[], None] | None = None) -> None:
        """Watch the folders of watched libraries; the tree is listed off the GUI thread.
        Listings can finish out of order: only the newest is applied, and it runs
        ``then`` (or one an older, overtaken listing was asked to run)."""
        roots = [Path(lib.watch_folder) for lib in self.documents.store.libraries()
                 if lib.watch_folder]  # fmt: skip
        self._listing += 1
        listing = self._listing
        if then is not None:
            self._after_listing = then
        self.tasks.run(lambda: (listing, *_folders(roots)), on_result=self._set_watched)

    def _set_watched(self, result: tuple[int, list[str], Signature]) -> None:
        listing, folders, signature = result
        if listing != self._listing:
            return  # a newer listing is on its way
        watched = self.watcher.directories()
        if watched:
            self.watcher.removePaths(watched)
        if folders:
            self.watcher.addPaths(folders)
            self._poll.start()
        else:
            self._poll.stop()
        self._signature = signature
        then, self._after_listing = self._after_listing, None
        if then is not None:
            then()

    def _poll_watched(self) -> None:
        folders = self.watcher.directories()
        self.tasks.run(lambda: _signature(folders), on_result=self._polled)

    def _polled(self, signature: Signature) -> None:
        if signature != self._signature:
            self._signature = signature
            self._rescan.start()

    def _remove_selected(self) -> None:
        library, paths, documents = self.library, self._selected_paths(), self.documents
        if library is None or not paths:
            return

        def work() -> None:
            for path in paths:
                documents.remove(library, path)

        self.tasks.run(work, pool="ingest", on_finished=self.refresh_files,
                       on_error=self._failed)  # fmt: skip

    def _embedding_chosen(self, _index: int) -> None:
        model_id = self.embedding.currentData()
        if self.library is None or not model_id or model_id == self.library.embedding_model:
            return
        answer = QMessageBox.question(
            self, "Change matching model",
            "Every document of this library will be indexed again with the new model; "
            "searching it gives partial results until that is done. Continue?",
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            self.embedding.setCurrentIndex(self.embedding.findData(self.library.embedding_model))
            return
        if self._task is not None:
            self.status.setText("Wait for indexing to finish before changing the model.")
            self.embedding.setCurrentIndex(self.embedding.findData(self.library.embedding_model))
            return
        library, documents = self.library, self.documents

        def switched(updated: Library) -> None:
            self.library = updated
            self.add([])

        self.tasks.run(lambda: documents.use_embedding_model(library, str(model_id)),
                       pool="ingest", on_result=switched, on_error=self._failed)  # fmt: skip

    def _ask_password(self) -> None:
        paths = [p for p in self._selected_paths() if p.lower().endswith(".pdf")]
        if not paths:
            self.status.setText("Select the encrypted PDF first.")
            return
        name = Path(paths[0]).name
        password, ok = QInputDialog.getText(
            self, "Password", f"Password for {name}:", QLineEdit.EchoMode.Password
        )
        if ok and password:
            self.add([Path(paths[0])], passwords={paths[0]: password})

    # -- indexing -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.library is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add(paths)
            event.acceptProposedAction()

    def add(self, paths: list[Path], library: Library | None = None,
            passwords: dict[str, str] | None = None) -> None:  # fmt: skip
        """Index these files and folders into ``library`` (the one shown if not given), and
        finish anything left unfinished there. ``passwords`` (by path) are held only for
        this job."""
        library = library or self.library
        if library is None:
            self.status.setText("Create a library first.")
            return
        passwords = dict(passwords or {})
        if self._task is not None or self._cancelling:
            self._waiting.append((library, paths, passwords))
            self.status.setText("Added to the queue: indexing continues with them next.")
            return
        documents = self.documents

        def work(*, cancel: CancelToken, progress: ProgressCallback, event: Report) -> IngestReport:
            return documents.ingest(
                library,
                paths,
                cancel=cancel,
                progress=progress,
                on_file=event,
                password_for=lambda p: passwords.get(str(p)),
            )

        self._start(work, [library], again=lambda: self.add(paths, library, passwords))

    def sync_watched(self) -> None:
        """Finish interrupted indexing and rescan watched folders (at start-up, and when a
        watched folder changes)."""
        documents = self.documents
        targets = [(lib, Path(lib.watch_folder)) for lib in documents.store.libraries()
                   if lib.watch_folder and Path(lib.watch_folder).is_dir()]  # fmt: skip
        unfinished = [lib for lib in documents.pending() if lib.id not in
                      {t[0].id for t in targets}]  # fmt: skip
        if not targets and not unfinished:
            return
        if self._paused:
            return  # Resume rescans
        if self._task is not None or self._cancelling:
            self._rescan.start()  # try again when the current job is over
            return

        def work(*, cancel: CancelToken, progress: ProgressCallback, event: Report) -> IngestReport:
            report = IngestReport()
            for library in unfinished:
                part = documents.ingest(library, [], cancel=cancel, progress=progress,
                                        on_file=event)  # fmt: skip
                report.events += part.events
            for library, folder in targets:
                part = documents.sync_folder(library, folder, cancel=cancel, progress=progress,
                                             on_file=event)  # fmt: skip
                report.events += part.events
            return report

        self._start(work, unfinished + [library for library, _folder in targets],
                    again=self.resume)  # fmt: skip

    def _start(self, work: object, libraries: list[Library], again: Callable[[], None]) -> None:
        """Run an indexing job; ``again`` starts it over (Resume after a pause: done files
        are skipped, so it goes on from where it stopped)."""
        self._job_libraries, self._again, self._paused = libraries, again, False
        self._show_running(paused=False)
        self.progress.setValue(0)
        self.progress_label.setText("Starting…")
        self._task = self.tasks.run(
            work,  # type: ignore[arg-type]
            pool="ingest",
            pass_job_args=True,
            on_progress=self._progress,
            on_event=self._file_event,
            on_result=self._finished,
            on_error=self._failed,
            on_finished=self._ended,
        )

    def _show_running(self, *, paused: bool) -> None:
        self.stop.setText("Resume" if paused else "Pause")
        self.stop.setAccessibleName("Resume indexing" if paused else "Pause indexing")
        self.running.show()

    def _pause_or_resume(self) -> None:
        if self._task is not None:
            self.pause()
        elif self._paused:
            self.resume_indexing()

    def pause(self) -> None:
        """Stop after the current step; what is not indexed yet stays queued."""
        if self._task is not None:
            self._paused = True
            self._task.cancel()
            self.progress_label.setText("Pausing…")

    def resume_indexing(self) -> None:
        """Go on after a pause with the paused job (adds made meanwhile follow it)."""
        self._paused = False
        self.running.hide()
        if self._again is not None:
            self._again()

    def _next_waiting(self) -> None:
        library, paths, passwords = self._waiting.pop(0)
        self.add(paths, library, passwords)

    def cancel_indexing(self) -> None:
        """Stop, and take the files not indexed yet out of the job's libraries."""
        if self._task is None and not self._paused:
            return
        names = ", ".join(f"“{library.name}”" for library in self._job_libraries)
        answer = QMessageBox.question(
            self, "Cancel indexing",
            f"Stop indexing and take the files that are not indexed yet out of {names}? "
            "Files already indexed stay.",
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._waiting.clear()
        self._cancelling = True
        if self._task is not None:
            self._task.cancel()
            self.progress_label.setText("Cancelling…")
        else:
            self._drop_unfinished()

    def _drop_unfinished(self) -> None:
        libraries, documents = list(self._job_libraries), self.documents
        self._paused = False
        self.running.hide()

        def dropped(count: int) -> None:
            self.status.setText(f"Cancelled: {count} file(s) not indexed yet were taken out.")

        def over() -> None:
            self._cancelling = False
            self.refresh_files()
            self.librariesChanged.emit()
            if self._waiting:
                self._next_waiting()  # added while cancelling

        self.tasks.run(lambda: sum(documents.drop_unfinished(lib) for lib in libraries),
                       pool="ingest", on_result=dropped, on_error=self._failed,
                       on_finished=over)  # fmt: skip

    def _progress(self, progress: Progress) -> None:
        if progress.fraction is not None:
            self.progress.setValue(int(progress.fraction * 1000))
        self.progress_label.setText(progress.describe())

    def _file_event(self, event: FileEvent) -> None:
        if event.status in ("queued", "done", "failed", "removed"):
            self._refresh_soon.start()  # one table rebuild per burst, not per file
        else:
            for row in range(self.table.rowCount()):
                if self._cell(row, 0).data(Qt.ItemDataRole.UserRole) == event.path:
                    self._cell(row, 3).setText(self._status_text(event.status))

    def _finished(self, report: IngestReport) -> None:
        failed = len(report.failed)
        ready = len(report.done)
        self.status.setText(f"{ready} file(s) ready" + (f", {failed} failed — see Notes"
                                                         if failed else "") + ".")  # fmt: skip

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            if not self._cancelling:
                self.status.setText("Paused. Resume continues where it stopped.")
        else:
            message = error.message if isinstance(error, HushdeskError) else str(error)
            self.status.setText(f"⚠ {message}")

    def _ended(self) -> None:
        self._task = None
        self.refresh_files()
        self.librariesChanged.emit()
        self._watch_all()  # new subfolders are watched too
        if self._cancelling:
            self._drop_unfinished()
        elif self._paused:
            self.progress_label.setText("Paused")
            self._show_running(paused=True)
        else:
            self.running.hide()
            if self._waiting:
                self._next_waiting()

    # -- search ---------------------------------------------------------------------------

    def search(self) -> None:
        library, text = self.library, self.query.text().strip()
        if library is None or not text:
            return
        self.results.clear()
        self.results.addItem("Searching…")
        documents = self.documents
        self.tasks.run(lambda: documents.search(library, text, k=8),
                       on_result=self._show_results, on_error=self._failed)  # fmt: skip

    def _show_results(self, result: SearchResult) -> None:
        self.results.clear()
        if result.abstain:
            self.results.addItem("Nothing in this library looks relevant.")
            return
        for hit in result.hits:
            text = " ".join(hit.chunk.text.split())
            item = QListWidgetItem(f"{hit.where}\n{text[:220]}…")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            item.setToolTip(text)
            self.results.addItem(item)

    def _open_result(self, item: QListWidgetItem) -> None:
        hit = item.data(Qt.ItemDataRole.UserRole)
        if hit is None:
            return
        self.open_document(hit.file.path, hit.chunk.page, hit.chunk.text, hit.file.paginated,
                           hit.file.id)  # fmt: skip

    def open_document(self, path: str, page: int, passage: str, paginated: bool,
                      file_id: int | None = None) -> DocumentViewer:  # fmt: skip
        section = ""
        if not paginated and file_id is not None:
            section = self.documents.store.page_text(file_id, page)
        viewer = DocumentViewer(self.tasks, path, page, passage, paginated=paginated,
                                section_text=section, parent=self)  # fmt: skip
        viewer.show()
        return viewer


def _folders(roots: list[Path], limit: int = 2000) -> tuple[list[str], Signature]:
    """Folders to watch under ``roots`` (hidden ones such as caches and .git are left
    out), with their signature."""
    found: list[str] = []
    for root in roots:
        if not root.is_dir():
            continue
        found.append(str(root))
        for path in root.rglob("*"):
            if len(found) >= limit:
                break
            if path.is_dir() and not any(
                part.startswith(".") for part in path.relative_to(root).parts
            ):
                found.append(str(path))
    return found, _signature(found)


def _signature(folders: list[str]) -> Signature:
    """The folders' modification times: a folder's changes when an entry is added,
    removed or renamed in it."""
    signature = []
    for folder in sorted(folders):
        try:
            signature.append((folder, Path(folder).stat().st_mtime_ns))
        except OSError:
            signature.append((folder, -1))
    return tuple(signature)
