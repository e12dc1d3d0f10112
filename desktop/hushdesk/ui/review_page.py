"""The Review page: grids that ask every document of a library the same questions, and
(its second tab, ``CompareView``) what changed between two versions of a document.

On the left the saved grids of the open matter; on the right the grid in view, its
cells filling in as they are answered (a background job with percent, time left,
Pause ↔ Resume and Cancel; a paused, cancelled or killed grid resumes at the first
empty cell). A cell opens its source at the page; its menu asks it again or sets it by
hand; a question can be added, reworded or taken away; Export writes CSV, XLSX or Word.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.services.review import Cell, Grid, GridRecord, sources
from hushdesk.ui import file_dialogs
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import ask_text, count_of, page_title, status_label, warning
from hushdesk.ui.tasks import Job, Latest, Tasks
from hushdesk.ui.widgets.compare_view import CompareView
from hushdesk.ui.widgets.grid_dialog import GridPlan, NewGridDialog
from hushdesk.ui.widgets.grid_table import GridTable
from hushdesk.ui.widgets.job_bar import JobBar

log = logging.getLogger("hushdesk.ui")

KINDS = "Spreadsheet (*.xlsx);;CSV (*.csv);;Word document (*.docx)"


class ReviewPage(QWidget):
    openCitation = Signal(object)  # a cell's source: the document at the page

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.reviews = app.reviews
        self.shown: Grid | None = None
        self.job: Job | None = None
        self._lists = Latest(tasks, self._fill, self)
        self._build()
        self.refresh()

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        split = QSplitter()
        split.addWidget(self._build_saved())
        split.addWidget(self._build_grid())
        split.setStretchFactor(1, 1)
        split.setSizes([220, 800])
        self.compare = CompareView(self.app.compare, self.tasks)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(split, "Grids")
        self.tabs.addTab(self.compare, "Compare versions")
        self.tabs.setTabToolTip(0, "The same questions for every document of a library.")
        self.tabs.setTabToolTip(1, "What changed between two versions of a document.")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title("Review"))
        layout.addWidget(self.tabs, 1)
        self._connect()
        self._show(None)

    def _build_saved(self) -> QWidget:
        self.saved = QListWidget()
        self.saved.setAccessibleName("Saved review grids")
        self.new = QPushButton("New grid…")
        self.new.setProperty("role", "primary")
        self.new.setAccessibleName("New review grid")
        self.delete = QPushButton("Delete")
        self.delete.setAccessibleName("Delete the review grid")
        left = QWidget()
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.new)
        side.addWidget(self.saved, 1)
        side.addWidget(self.delete)
        return left

    def _build_grid(self) -> QWidget:
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.run = QPushButton("Answer the rest")
        self.run.setAccessibleName("Answer the cells still empty")
        self.add = QPushButton("Add a question…")
        self.export = QPushButton("Export…")
        self.export.setAccessibleName("Export the grid")
        tools = QHBoxLayout()
        tools.addWidget(self.heading, 1)
        for button in (self.add, self.run, self.export):
            tools.addWidget(button)
        self.bar = JobBar("Review progress", stop="Cancel", stop_name="Cancel the review",
                          pausable=True, pause_name="Pause or resume the review")  # fmt: skip
        self.table = GridTable()
        self.notice = status_label(name="Review notes")
        self.empty = QLabel(
            "Ask every document of a library the same questions — parties, dates, amounts, "
            "yes or no — and get one table, each answer from its own document with its page."
            "\n\nChoose New grid… to start."
        )
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(tools)
        column.addWidget(self.summary)
        column.addWidget(self.bar)
        column.addWidget(self.table, 1)
        column.addWidget(self.empty, 1)
        column.addWidget(self.notice)
        return right

    def _connect(self) -> None:
        self.new.clicked.connect(self.new_grid)
        self.delete.clicked.connect(self.delete_grid)
        self.saved.currentItemChanged.connect(self._chosen)
        self.run.clicked.connect(self.answer)
        self.add.clicked.connect(self.add_question)
        self.export.clicked.connect(self.export_grid)
        self.bar.pauseRequested.connect(self.pause)
        self.bar.resumeRequested.connect(self.answer)
        self.bar.stopRequested.connect(self.cancel)
        self.table.openCell.connect(self._open_source)
        self.table.customContextMenuRequested.connect(self._menu)

    # -- the list ----------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        self._select = select if select is not None else (self.shown.id if self.shown else None)
        self._lists.run(self.reviews.grids)

    def _fill(self, records: list[GridRecord]) -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        for record in records:
            item = QListWidgetItem(record.name)
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            item.setToolTip(f"{record.name}\n{count_of(len(record.columns), 'question')}")
            self.saved.addItem(item)
            if record.id == self._select:
                self.saved.setCurrentItem(item)
        self.saved.blockSignals(False)
        self.delete.setEnabled(self.saved.currentItem() is not None)
        ids = {r.id for r in records}
        if self._select in ids and self.job is None:
            self._load(self._select)
        elif self.shown is not None and self.shown.id not in ids:
            self._show(None)  # deleted meanwhile

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.delete.setEnabled(item is not None)
        if item is not None and self.job is None:
            self._load(int(item.data(Qt.ItemDataRole.UserRole)))

    def _load(self, grid_id: int) -> None:
        self.tasks.run(lambda: self.reviews.get(grid_id), on_result=self._show,
                       on_error=self._failed)  # fmt: skip

    # -- the grid in view --------------------------------------------------------------

    def _show(self, grid: Grid | None) -> None:
        self.shown = grid
        self.table.grid_model.set_grid(grid)
        self.table.setVisible(grid is not None)
        self.empty.setVisible(grid is None)
        for button in (self.run, self.add, self.export):
            button.setEnabled(grid is not None and self.job is None)
        if grid is None:
            self.heading.setText("")
            self.summary.setText("")
            return
        self.heading.setText(grid.name)
        self._counted()

    def _counted(self) -> None:
        grid = self.shown
        if grid is None:
            return
        answered = sum(1 for c in grid.cells.values() if c.state in ("answered", "edited"))
        missing = len(grid.missing())
        self.summary.setText(
            f"{count_of(len(grid.documents), 'document')} of “{grid.library.name}” × "
            f"{count_of(len(grid.columns), 'question')} · {answered} answered, "
            f"{sum(1 for c in grid.cells.values() if c.state == 'not stated')} not stated"
            + (f", {missing} to go" if missing else "")
            + ". Double-click an answer to see its page."
        )
        self.run.setVisible(missing > 0)

    # -- answering ---------------------------------------------------------------------

    def new_grid(self) -> None:
        self.tasks.run(self.reviews.documents, on_result=self._ask_plan, on_error=self._failed)

    def _ask_plan(self, libraries: dict[str, list[tuple[str, str]]]) -> None:
        if not libraries:
            self.notice.setText("Add documents to a library first (Documents), then review them.")
            return
        chosen = self.shown.library.name if self.shown else None
        dialog = NewGridDialog(libraries, chosen, self)
        if dialog.exec() and dialog.plan is not None:
            if dialog.plan.paths:
                self._index_then_create(dialog.plan)
            else:
                self._create(dialog.plan, [])

    def _index_then_create(self, plan: GridPlan) -> None:
        """Files and folders added in the dialog: indexed into the library first."""
        self.bar.start("Reading the files…")
        self.new.setEnabled(False)

        def work(*, cancel: CancelToken, progress: ProgressCallback, **_: object) -> list[str]:
            return self.reviews.index(plan.library, plan.paths, progress=progress, cancel=cancel)

        self.job = self.tasks.run(
            work,
            pool="ingest",
            job_args=True,
            title="Indexing for the grid",
            on_progress=self.bar.show_progress,
            on_result=lambda ids: self._create(plan, ids),
            on_error=self._stopped,
            on_finished=self._ended,
        )

    def _create(self, plan: GridPlan, added: list[str]) -> None:
        documents = None if plan.documents is None else [*plan.documents, *added]
        self.tasks.run(
            lambda: self.reviews.create(
                plan.library, plan.questions, name=plan.name, documents=documents
            ),
            on_result=self._created,
            on_error=self._failed,
        )

    def _created(self, grid: Grid) -> None:
        self.saved.clearSelection()
        self._show(grid)
        self.refresh(select=grid.id)
        self.answer()

    def answer(self) -> None:
        grid = self.shown
        if grid is None or self.job is not None:
            return
        grid_id = grid.id
        self.bar.start("Starting…")
        self.notice.setText("")
        self._show(grid)
        for button in (self.run, self.add, self.export, self.new, self.delete):
            button.setEnabled(False)

        def work(*, cancel: CancelToken, progress: ProgressCallback, event: object,
                 **_: object) -> Grid:  # fmt: skip
            return self.reviews.run(grid_id, progress=progress, cancel=cancel,
                                    on_cell=event)  # type: ignore[arg-type]  # fmt: skip

        self.job = self.tasks.run(
            work,
            pool="model",
            job_args=True,
            title="Review grid",
            on_progress=self.bar.show_progress,
            on_event=self._cell,
            on_result=self._answered,
            on_error=self._stopped,
            on_finished=self._ended,
        )

    def _cell(self, cell: object) -> None:
        if isinstance(cell, Cell):
            self.table.grid_model.put(cell)
            self._counted()

    def pause(self) -> None:
        if self.job is not None:
            self.job.pause()
            self.bar.label.setText("Pausing after this answer…")

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.bar.label.setText("Stopping…")

    def _answered(self, grid: Grid) -> None:
        self._show(grid)
        self.bar.hide()

    def _stopped(self, error: BaseException) -> None:
        grid = self.shown
        if isinstance(error, Cancelled):
            paused = self.job is not None and self.job.token.paused
            done = 1 - len(grid.missing()) / grid.total if grid and grid.total else None
            if paused:
                self.bar.show_paused("Paused: the answers so far are kept.", done)
            else:
                self.bar.hide()
                self.notice.setText(
                    "Stopped. The answers so far are kept: Answer the rest goes on."
                )
        else:
            self.bar.show_error(warning(error))

    def _ended(self) -> None:
        self.job = None
        self.new.setEnabled(True)
        self.delete.setEnabled(self.saved.currentItem() is not None)
        self._show(self.shown)

    # -- cells and questions -----------------------------------------------------------

    def _open_source(self, file_id: int, column_id: int) -> None:
        cell = self.shown.cell(file_id, column_id) if self.shown else None
        cited = sources(cell)
        if cited:
            self.openCitation.emit(cited[0])

    def _menu(self, at: QPoint) -> None:
        found = self.table.grid_model.at(self.table.indexAt(at))
        if found is None or self.shown is None:
            return
        file_id, column, cell = found
        grid_id = self.shown.id
        menu = QMenu(self)
        see = menu.addAction("Show the source", lambda: self._open_source(file_id, column.id))
        see.setEnabled(bool(cell and cell.sources))
        busy = self.job is not None
        menu.addAction("Ask again", lambda: self._reask(grid_id, file_id, column.id)).setEnabled(
            not busy
        )
        menu.addAction("Edit the answer…", lambda: self._edit(grid_id, file_id, column.id, cell))
        menu.addSeparator()
        menu.addAction("Reword the question…", lambda: self._reword(grid_id, column.id))
        menu.addAction("Remove the question", lambda: self._remove(grid_id, column.id)).setEnabled(
            not busy and len(self.shown.columns) > 1
        )
        menu.exec(self.table.viewport().mapToGlobal(at))

    def _reask(self, grid_id: int, file_id: int, column_id: int) -> None:
        self.notice.setText("Asking again…")
        self.tasks.run(lambda: self.reviews.reask(grid_id, file_id, column_id), pool="model",
                       title="Review grid", on_result=self._changed_cell,
                       on_error=self._failed)  # fmt: skip

    def _edit(self, grid_id: int, file_id: int, column_id: int, cell: Cell | None) -> None:
        text = ask_text(self, "Edit the answer", "The answer (marked as edited):",
                        cell.value if cell else "")  # fmt: skip
        if text is not None and text.strip():
            self.tasks.run(lambda: self.reviews.edit(grid_id, file_id, column_id, text),
                           on_result=self._changed_cell, on_error=self._failed)  # fmt: skip

    def _changed_cell(self, cell: Cell) -> None:
        self.notice.setText("")
        self._cell(cell)

    def add_question(self) -> None:
        grid = self.shown
        text = ask_text(self, "Add a question", "Ask every document of the grid:") if grid else None
        if grid is not None and text and text.strip():
            self.tasks.run(lambda: self.reviews.add_column(grid.id, text),
                           on_result=self._changed_grid, on_error=self._failed)  # fmt: skip

    def _reword(self, grid_id: int, column_id: int) -> None:
        column = next(c for c in self.shown.columns if c.id == column_id) if self.shown else None
        if column is None:
            return
        text = ask_text(self, "Reword the question", "Its answers are asked again:",
                        column.question)  # fmt: skip
        if text and text.strip() and text.strip() != column.question:
            self.tasks.run(
                lambda: self.reviews.change_column(
                    grid_id, column_id, text, column.type, column.choices
                ),
                on_result=self._changed_grid,
                on_error=self._failed,
            )

    def _remove(self, grid_id: int, column_id: int) -> None:
        if confirm(self, "Remove the question?", "Its answers are deleted from the grid.",
                   "Remove question", destructive=True):  # fmt: skip
            self.tasks.run(lambda: self.reviews.remove_column(grid_id, column_id),
                           on_result=self._changed_grid, on_error=self._failed)  # fmt: skip

    def _changed_grid(self, grid: Grid) -> None:
        self._show(grid)
        self.refresh(select=grid.id)
        if grid.missing():
            self.answer()

    # -- export and delete -------------------------------------------------------------

    def export_grid(self) -> None:
        grid = self.shown
        if grid is None:
            return
        path = file_dialogs.save_file(self, "Export the grid", f"{grid.name}.xlsx", KINDS)
        if path:
            self.tasks.run(lambda: self.reviews.export(grid, Path(path)),
                           on_result=lambda p: self.notice.setText(f"Saved to {p}."),
                           on_error=self._failed)  # fmt: skip

    def delete_grid(self) -> None:
        item = self.saved.currentItem()
        if item is None or self.job is not None:
            return
        grid_id = int(item.data(Qt.ItemDataRole.UserRole))
        if confirm(self, f"Delete “{item.text()}”?",
                   "Its answers are deleted; the documents stay in their library.",
                   "Delete grid", destructive=True):  # fmt: skip
            self.tasks.run(lambda: self.reviews.delete(grid_id), on_finished=self._deleted)

    def _deleted(self) -> None:
        self._show(None)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.notice.setText(warning(error))
