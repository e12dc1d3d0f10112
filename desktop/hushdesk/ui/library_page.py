"""The Documents page: libraries, their files with per-file status, indexing with
progress and ETA (pause, resume, cancel), drag and drop, a watched folder, and a quick
search. The queue and its rules are the Indexing service's; the page runs its jobs
and shows them."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.services.documents import FileEvent, Hit, Library, LibraryState
from hushdesk.services.indexing import IndexJob
from hushdesk.services.recordings import clock
from hushdesk.ui import file_dialogs
from hushdesk.ui.indexing_runner import IndexingRunner
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import ask_password, count_of, page_title, warning
from hushdesk.ui.tasks import Latest, Tasks
from hushdesk.ui.widgets.combo import LIBRARY_FILTER
from hushdesk.ui.widgets.connections_box import ConnectionDialog, shared_where
from hushdesk.ui.widgets.document_viewer import DocumentViewer
from hushdesk.ui.widgets.folder_watch import FolderWatch
from hushdesk.ui.widgets.library_parts import ACTIONS, LibraryBody, LibraryList


class LibraryPage(QWidget):
    librariesChanged = Signal()
    summarizeRequested = Signal(int)  # a document's file id

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.documents, self.indexing, self.shared = app.documents, app.indexing, app.shared
        self.library: Library | None = None
        self.setAcceptDrops(True)
        self.setAccessibleName("Documents")
        self.folders = FolderWatch(self.indexing, tasks, self)
        self.folders.rescanRequested.connect(self.sync_watched)
        self._refresh_soon = QTimer(self, singleShot=True, interval=300)
        self._refresh_soon.timeout.connect(self.refresh_files)
        self._files = Latest(tasks, self._show_files, self, on_error=self._failed)
        self._build()
        self.refresh_libraries()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.side, body = LibraryList(), LibraryBody()
        self.side.chosen.connect(self._select)
        self.side.newRequested.connect(self.new_library)
        self.side.deleteRequested.connect(self.delete_library)
        self.side.shareRequested.connect(self.share_library)
        self.body, self.title, self.table, self.status = body, body.title, body.table, body.status
        self.running, self.embedding, self.finder = body.running, body.embedding, body.finder
        for text, slot in zip(
            ACTIONS,
            (
                self._choose_files,
                self._choose_folder,
                self._choose_watch,
                self._remove_selected,
                self._summarize_selected,
                self._ask_password,
            ),
            strict=True,
        ):
            body.buttons[text].clicked.connect(slot)
        self.embedding.activated.connect(self._embedding_chosen)
        self.runner = IndexingRunner(self.indexing, self.tasks, self.running)
        self.runner.fileEvent.connect(self._file_event)
        self.runner.said.connect(self.status.setText)
        self.runner.ended.connect(self._ended)
        self.running.stopRequested.connect(self.cancel_indexing)
        self.finder.searchRequested.connect(self.search)
        self.finder.openRequested.connect(self._open_hit)
        splitter = QSplitter()
        splitter.addWidget(self.side)
        splitter.addWidget(body)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(page_title("Documents"))
        layout.addWidget(splitter, 1)

    # -- libraries ------------------------------------------------------------------------

    def refresh_libraries(self) -> None:
        current = self.library.name if self.library else None
        shared = {n: shared_where(self.shared.state(n)) for n in self.shared.names()}
        self._select(self.side.fill(self.documents.names(), current, shared))
        self.folders.update()

    def share_library(self) -> None:
        """Share a library through the firm's Chroma server, or take one from there."""
        dialog = ConnectionDialog(self, shared=True)
        if self.library is not None:
            dialog.name.setText(self.library.name)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, url, token, ca_file = dialog.values()
        allow = dialog.allow_unencrypted.isChecked()
        if not name:
            return
        self.status.setText(f"Reaching {url}…")

        def shared(report: Any) -> None:
            self.status.setText(
                f"✓ {name} is shared: {report.sent} sent, {report.received} received."
            )
            self.library = self.documents.library(name)
            self._libraries_changed()

        self.tasks.run(
            lambda: self.shared.attach(
                name, url, token=token, ca_file=ca_file, allow_unencrypted=allow
            ),
            pool="ingest",
            on_result=shared,
            on_error=self._failed,
        )

    def _select(self, name: str | None) -> None:
        self.library = self.documents.library(name) if name is not None else None
        self.body.enable(self.library is not None)
        if self.library is None:
            self.title.setText("Create a library to add documents to.")
            self.table.setRowCount(0)
            return
        models = [(m.name, m.id) for m in self.documents.embedding_models()]
        self.body.show_models(models, self.library.embedding_model)
        self.refresh_files()
        if self.shared.is_shared(self.library.name):  # colleagues' newest, in the background
            names = [self.library.name]
            self.tasks.run(lambda: self.shared.refresh(names), on_finished=self.refresh_files)

    def new_library(self) -> None:
        name, ok = QInputDialog.getText(self, "New library", "Name (e.g. Client — Smith lease):")
        if ok and name.strip():
            self.create_library(name.strip())

    def create_library(self, name: str) -> Library:
        self.library = self.documents.library(name)
        self.refresh_libraries()
        self.librariesChanged.emit()
        return self.library

    def delete_library(self) -> None:
        library = self.library
        if library is None or not confirm(
            self,
            "Delete library",
            f"Delete the library “{library.name}”? Your files stay where they are; "
            "Hushdesk's copy of their text, its index and the summaries made of them "
            "are deleted.",
            "Delete library",
            destructive=True,
        ):
            return
        self.library = None
        self.tasks.run(
            lambda: self.documents.delete(library),
            pool="ingest",
            on_finished=self._libraries_changed,
            on_error=self._failed,
        )

    def _libraries_changed(self) -> None:
        self.refresh_libraries()
        self.librariesChanged.emit()

    # -- files ----------------------------------------------------------------------------

    def refresh_files(self) -> None:
        """Reload the file list and the passage count off the GUI thread (counting the
        passages of a large library takes a noticeable moment)."""
        library = self.library
        if library is not None:
            self._files.run(lambda: self.documents.state(library))

    def _show_files(self, state: LibraryState) -> None:
        if self.library is None or self.library.id != state.library.id:
            return  # another library was chosen meanwhile
        self.library = state.library
        name, folder = html.escape(state.library.name), state.library.watch_folder
        watch = f" · watching {html.escape(folder)}" if folder else ""
        where = ""
        if self.shared.is_shared(state.library.name):
            shared = self.shared.state(state.library.name)
            where = f" · shared through {html.escape(shared_where(shared))}"
            if shared.problem:
                where += " — <b>server unreachable</b>: this computer's copy answers"
        self.title.setText(
            f"<b>{name}</b> — {state.ready:d} of {len(state.files)} files ready "
            f"· {state.passages:,} passages{watch}{where}"
        )
        self.table.indexing = self.indexing.busy
        self.table.fill(state.files)

    def _summarize_selected(self) -> None:
        paths = self.table.selected_paths()
        if self.library is None or not paths:
            self.status.setText("Select a document to summarize.")
            return
        record = self.documents.ready_file(self.library, paths[0])
        if record is None:
            self.status.setText("That document is not ready yet: it is still being indexed.")
            return
        self.summarizeRequested.emit(record.id)

    def _choose_files(self) -> None:
        paths = file_dialogs.open_files(self, "Add documents", str(Path.home()), LIBRARY_FILTER)
        if paths:
            self.add([Path(p) for p in paths])

    def _choose_folder(self) -> None:
        folder = file_dialogs.choose_folder(self, "Add a folder", str(Path.home()))
        if folder:
            self.add([Path(folder)])

    def _choose_watch(self) -> None:
        folder = file_dialogs.choose_folder(self, "Watch a folder", str(Path.home()))
        if folder:
            self.watch_folder(Path(folder))

    def _remove_selected(self) -> None:
        library, paths = self.library, self.table.selected_paths()
        if library is None or not paths:
            return
        count = f"{len(paths)} files" if len(paths) > 1 else "this file"
        if confirm(
            self,
            "Remove from the library",
            f"Take {count} out of “{library.name}”? The files stay where they are; "
            "their text in Hushdesk and the summaries made of them are deleted.",
            "Remove from library",
            destructive=True,
        ):
            self.tasks.run(
                lambda: self.documents.remove(library, paths),
                pool="ingest",
                on_result=lambda _: self._removed(library, len(paths)),
                on_error=self._failed,
            )

    def _removed(self, library: Library, count: int) -> None:
        self.status.setText(f"{count_of(count, 'file')} taken out of “{library.name}”.")
        self.refresh_files()

    def _embedding_chosen(self, _index: int) -> None:
        model_id, library = self.embedding.currentData(), self.library
        if library is None or not model_id or model_id == library.embedding_model:
            return
        if self.indexing.state != "idle":
            self.status.setText("Wait for indexing to finish before changing the model.")
        elif confirm(
            self,
            "Change matching model",
            "Every document of this library will be "
            "indexed again with the new model; searching it gives partial results "
            "until that is done.",
            "Change model",
            cancel="Keep the current one",
        ):
            self.tasks.run(
                lambda: self.documents.use_embedding_model(library, str(model_id)),
                pool="ingest",
                on_result=self._switched,
                on_error=self._failed,
            )
            return
        self.body.show_model(library.embedding_model)

    def _switched(self, updated: Library) -> None:
        self.library = updated
        self.add([])

    def _ask_password(self) -> None:
        paths = [p for p in self.table.selected_paths() if p.lower().endswith(".pdf")]
        if not paths:
            self.status.setText("Select the encrypted PDF first.")
            return
        password = ask_password(self, Path(paths[0]).name)
        if password:
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

    def add(
        self,
        paths: list[Path],
        library: Library | None = None,
        passwords: dict[str, str] | None = None,
    ) -> None:
        """Index these files and folders into ``library`` (the one shown if not given),
        and finish anything left unfinished there."""
        library = library or self.library
        if library is None:
            self.status.setText("Create a library first.")
            return
        job = self.indexing.add(library, paths, passwords)
        if job is None:
            self.status.setText("Added to the queue: indexing continues with them next.")
        self._run(job)

    def watch_folder(self, folder: Path) -> None:
        """New, changed and deleted files in ``folder`` are indexed as they happen."""
        if self.library is not None:
            self.library = self.indexing.watch_folder(self.library, folder)
            self.resume()

    def resume(self) -> None:
        """Watch the watched folders, then finish interrupted indexing and rescan them: the
        watch comes first so that no change falls between the scan and the watch."""
        self.folders.update(then_rescan=True)

    def sync_watched(self) -> None:
        """Finish interrupted indexing and bring watched folders up to date."""
        self._run(self.indexing.rescan())

    def _run(self, job: IndexJob | None) -> None:
        if job is not None:
            self.table.indexing = True
        self.runner.run(job)

    def pause(self) -> None:
        """Stop after the current step; what is not indexed yet stays queued."""
        self.runner.pause()

    def cancel_indexing(self) -> None:
        """Stop, and take the files not indexed yet out of the job's libraries."""
        if self.indexing.state not in ("running", "paused"):
            return
        names = ", ".join(f"“{library.name}”" for library in self.indexing.libraries)
        if confirm(
            self,
            "Stop indexing",
            "Stop indexing and take the files that are not "
            f"indexed yet out of {names}? Files already indexed stay.",
            "Stop indexing",
            cancel="Keep indexing",
            destructive=True,
        ):
            self.runner.cancel()

    def _file_event(self, event: FileEvent) -> None:
        if event.status in ("queued", "done", "failed", "removed"):
            self._refresh_soon.start()  # one table rebuild per burst, not per file
        else:
            self.table.set_status(event.path, event.status)

    def _failed(self, error: BaseException) -> None:
        self.status.setText(warning(error))

    def _ended(self) -> None:
        self.table.indexing = self.indexing.busy
        self.refresh_files()
        self.librariesChanged.emit()
        self.folders.update()  # new subfolders are watched too

    # -- search ---------------------------------------------------------------------------

    def search(self, text: str) -> None:
        library = self.library
        if library is not None:
            self.tasks.run(
                lambda: self.documents.search(library, text, k=8),
                on_result=self.finder.show_result,
                on_error=self._search_failed,
            )

    def _search_failed(self, error: BaseException) -> None:
        self.finder.show_error(warning(error))

    def _open_hit(self, hit: Hit) -> None:
        self.open_document(
            hit.file.path,
            hit.chunk.page,
            hit.chunk.text,
            hit.file.paginated,
            hit.file.id,
            label=hit.chunk.label,
        )

    def open_document(
        self,
        path: str,
        page: int,
        passage: str,
        paginated: bool,
        file_id: int | None = None,
        *,
        label: str = "",
    ) -> DocumentViewer:
        section = ""
        here = Path(path).exists()  # a colleague's file of a shared library is not
        if (not paginated or not here) and file_id is not None:
            section = self.documents.page_text(file_id, page)
        times = self.app.recordings.times(label) if here else None
        viewer = DocumentViewer(
            self.tasks,
            path,
            page,
            passage,
            paginated=paginated,
            section_text=section,
            label=label,
            play_from=(
                (clock(times[0]), lambda: self.app.recordings.play(path, times[0]))
                if times
                else None
            ),
            parent=self,
        )
        viewer.show()
        return viewer
