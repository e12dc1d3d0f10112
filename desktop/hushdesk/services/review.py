"""Review grids: the same questions asked of every document of a library (or of the
documents picked from it), one cell at a time, each answered from its own document only
and held to its passages — for the Review page and ``hushdesk grid`` alike.

A grid is kept in its library's store with every cell as it is answered, so a grid
stopped by a pause, a quit or a kill resumes at the first cell with no answer. Cells can
be asked again or edited by hand (marked as edited); columns added or taken away.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk.assistant.review import export as export_mod
from hushdesk.assistant.review import grid as cells
from hushdesk.assistant.review.grid import Grid, sources
from hushdesk.engine.types import Message
from hushdesk.errors import ContextOverflow, DocumentError, HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker
from hushdesk.library.grid_rows import COLUMN_TYPES, Cell, Column, ColumnType, GridRecord
from hushdesk.services.runtime import ModelRuntime

if TYPE_CHECKING:
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.store import FileRecord

__all__ = [
    "COLUMN_TYPES",
    "Cell",
    "Column",
    "ColumnType",
    "Grid",
    "GridRecord",
    "Reviews",
    "column_type",
    "sources",
]

log = logging.getLogger("hushdesk.review")

MAX_COLUMNS = 30
MAX_QUESTION_CHARS = 500


class ReviewError(HushdeskError):
    """A grid cannot be made, found or changed as asked."""


def column_type(text: str) -> tuple[ColumnType, tuple[str, ...]]:
    """A column's type as written by a user: ``text``, ``date``, ``amount``, ``yes/no``,
    or ``choice:A|B|C`` (also "one of: A, B, C")."""
    spoken = text.strip()
    low = spoken.lower()
    if low in ("yes-no", "yesno", "bool", "boolean"):
        low = "yes/no"
    for prefix in ("choice:", "one of:"):
        if low.startswith(prefix):
            rest = spoken[len(prefix) :]
            choices = tuple(c.strip() for c in re.split(r"[|,;]", rest) if c.strip())
            if len(choices) < 2:
                raise ReviewError("A choice column needs at least two answers: choice:A|B.")
            return "choice", choices
    if low not in COLUMN_TYPES or low == "choice":
        raise ReviewError(
            f"{text!r} is not an answer type: text, date, amount, yes/no or choice:A|B|C."
        )
    return low, ()


class Reviews:
    def __init__(self, library: Callable[[], DocumentLibrary], runtime: ModelRuntime) -> None:
        self._library = library
        self.runtime = runtime

    # -- grids -------------------------------------------------------------------------

    def create(
        self,
        library_name: str,
        questions: Sequence[tuple[str, ColumnType, Sequence[str]]],
        *,
        name: str | None = None,
        documents: Sequence[str] | None = None,
        model: str | None = None,
    ) -> Grid:
        """A new grid over the library's documents (or those named in ``documents``,
        by name, path or id) with one column per question."""
        library = self._library()
        lib = library.library(library_name, create=False)
        columns = [self._column(i, q, t, c) for i, (q, t, c) in enumerate(questions, start=1)]
        if not columns:
            raise ReviewError("A grid needs at least one question.")
        if len(columns) > MAX_COLUMNS:
            raise ReviewError(f"A grid holds at most {MAX_COLUMNS} questions.")
        files = None
        if documents is not None:
            done = library.store.files(lib, "done")
            files = [self._document(done, d, lib.name).id for d in documents]
        grid_id = library.store.add_grid(
            lib.id, (name or "").strip() or f"Review of {lib.name}", columns, files, model
        )
        log.info("grid added")
        return self.get(grid_id)

    def _column(self, n: int, question: str, kind: ColumnType, choices: Sequence[str]) -> Column:
        question = " ".join(question.split())
        if not question:
            raise ReviewError("A column's question is empty.")
        if len(question) > MAX_QUESTION_CHARS:
            raise ReviewError(f"A question is longer than {MAX_QUESTION_CHARS} characters.")
        if kind == "choice" and len(choices) < 2:
            raise ReviewError("A choice column needs at least two answers.")
        return Column(n, question, kind, tuple(choices) if kind == "choice" else ())

    @staticmethod
    def _document(done: Sequence[FileRecord], wanted: str, library: str) -> FileRecord:
        for record in done:
            if wanted in (record.name, record.path, str(record.id)):
                return record
        raise ReviewError(f"No indexed document called {wanted!r} in {library}.")

    def grids(self, library_name: str | None = None) -> list[GridRecord]:
        """Newest change first; of one library, or of all."""
        library = self._library()
        if library_name is None:
            return library.store.grids()
        return library.store.grids(library.library(library_name, create=False).id)

    def index(
        self,
        library_name: str,
        paths: Sequence[Path],
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> list[str]:
        """Files and folders picked for a grid: added to the library (made if new), read
        and indexed; the ids of the documents they gave (a folder's, every one). A file
        that cannot be read is left out, and said."""
        library = self._library()
        lib = library.library(" ".join(library_name.split()) or "Review")
        report = library.ingest(lib, list(paths), progress=progress, cancel=cancel)
        ids = []
        for event in report.done:
            record = library.store.file(lib, event.path)
            if record is not None and record.status == "done":
                ids.append(str(record.id))
        if not ids:
            failed = "; ".join(f"{Path(e.path).name}: {e.detail}" for e in report.failed[:3])
            raise ReviewError(
                "None of those files could be read" + (f" ({failed})." if failed else ".")
            )
        return ids

    def documents(self) -> dict[str, list[tuple[str, str]]]:
        """Each library's indexed documents, (file id, name), to choose from."""
        library = self._library()
        return {
            lib.name: [(str(f.id), f.name) for f in library.store.files(lib, "done")]
            for lib in library.store.libraries()
        }

    def get(self, grid_id: int) -> Grid:
        library = self._library()
        record = library.store.grid(grid_id)
        lib = library.store.library_by_id(record.library_id) if record else None
        if record is None or lib is None:
            raise ReviewError(f"No review grid has the id {grid_id}.")
        done = {f.id: f for f in library.store.files(lib, "done")}
        if record.files is None:
            documents = sorted(done.values(), key=lambda f: (f.name.lower(), f.id))
        else:
            documents = [done[f] for f in record.files if f in done]
        return Grid(record, lib, tuple(documents), library.store.cells(grid_id))

    def find(self, name_or_id: str) -> Grid:
        """A grid by its id or its name (the newest of that name)."""
        if name_or_id.isdigit():
            return self.get(int(name_or_id))
        for record in self.grids():
            if record.name == name_or_id:
                return self.get(record.id)
        raise ReviewError(f"No review grid is called {name_or_id!r}.")

    def rename(self, grid_id: int, name: str) -> Grid:
        name = " ".join(name.split())
        if not name:
            raise ReviewError("A grid's name is empty.")
        self._library().store.rename_grid(grid_id, name)
        return self.get(grid_id)

    def add_column(
        self, grid_id: int, question: str, kind: ColumnType = "text", choices: Sequence[str] = ()
    ) -> Grid:
        grid = self.get(grid_id)
        if len(grid.columns) >= MAX_COLUMNS:
            raise ReviewError(f"A grid holds at most {MAX_COLUMNS} questions.")
        column = self._column(max((c.id for c in grid.columns), default=0) + 1, question, kind,
                              choices)  # fmt: skip
        self._library().store.set_columns(grid_id, [*grid.columns, column])
        return self.get(grid_id)

    def change_column(
        self, grid_id: int, column_id: int, question: str, kind: ColumnType, choices: Sequence[str]
    ) -> Grid:
        """A column asked anew: its cells are cleared and answered again on the next run."""
        grid = self.get(grid_id)
        new = self._column(column_id, question, kind, choices)
        columns = [new if c.id == column_id else c for c in grid.columns]
        store = self._library().store
        store.set_columns(grid_id, [c for c in columns if c.id != column_id])  # cells go
        store.set_columns(grid_id, columns)
        return self.get(grid_id)

    def remove_column(self, grid_id: int, column_id: int) -> Grid:
        grid = self.get(grid_id)
        kept = [c for c in grid.columns if c.id != column_id]
        if not kept:
            raise ReviewError("A grid needs at least one question.")
        self._library().store.set_columns(grid_id, kept)
        return self.get(grid_id)

    def delete(self, grid_id: int) -> None:
        self._library().store.delete_grid(grid_id)

    # -- answering ---------------------------------------------------------------------

    def run(
        self,
        grid_id: int,
        *,
        model: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_cell: Callable[[Cell], None] | None = None,
    ) -> Grid:
        """Answer every cell that has no answer yet (a stopped or killed run resumes
        where it stopped: each cell is kept as soon as it is answered). Raises
        ``Cancelled`` on a cancel or a pause; what was answered stays."""
        grid = self.get(grid_id)
        todo = grid.missing()
        tracker = ProgressTracker(grid.total, "Answering")
        done = grid.total - len(todo)
        if progress:
            progress(tracker.update(done, f"{done} of {grid.total} cells"))
        if not todo:
            return grid
        asker = self._asker(grid, model, progress)
        for record, column in todo:
            if cancel is not None:
                cancel.raise_if_cancelled()
            cell = asker(record, column, cancel)
            self._library().store.put_cell(grid.id, cell)
            done += 1
            if on_cell:
                on_cell(cell)
            if progress:
                progress(tracker.update(done, f"{done} of {grid.total} cells"))
        return self.get(grid_id)

    def reask(
        self,
        grid_id: int,
        file_id: int,
        column_id: int,
        *,
        model: str | None = None,
        cancel: CancelToken | None = None,
    ) -> Cell:
        """One cell answered again (an edit by hand is replaced)."""
        grid = self.get(grid_id)
        record = next((d for d in grid.documents if d.id == file_id), None)
        column = next((c for c in grid.columns if c.id == column_id), None)
        if record is None or column is None:
            raise ReviewError("That cell is no longer in the grid.")
        cell = self._asker(grid, model, None)(record, column, cancel)
        self._library().store.put_cell(grid.id, cell)
        return cell

    def edit(self, grid_id: int, file_id: int, column_id: int, value: str) -> Cell:
        """A cell set by hand: marked as edited; the passages it had stay to check it."""
        grid = self.get(grid_id)
        before = grid.cell(file_id, column_id)
        cell = Cell(file_id, column_id, "edited", " ".join(value.split()), value.strip(),
                    before.sources if before else [], [], "")  # fmt: skip
        self._library().store.put_cell(grid.id, cell)
        return cell

    def _asker(
        self, grid: Grid, model: str | None, progress: ProgressCallback | None
    ) -> Callable[[FileRecord, Column, CancelToken | None], Cell]:
        chosen = self.runtime.chat_model(model or grid.record.model)
        if progress:
            progress(Progress(0, None, f"Loading {chosen.name}"))
        info = self.runtime.ensure_loaded(chosen)
        engine = self.runtime.engine_for(chosen)
        params = self.runtime.sampling(chosen, temperature=0.0, max_tokens=cells.ANSWER_TOKENS)
        base = engine.count_tokens([Message("user", "")])
        library = self._library()

        def count(text: str) -> int:
            return max(0, engine.count_tokens([Message("user", text)]) - base)

        def ask(record: FileRecord, column: Column, cancel: CancelToken | None) -> Cell:
            try:
                asked = cells.ask(library, grid.library, record, column,
                                  context_tokens=info.n_ctx, count=count,
                                  family=chosen.prompt_family)  # fmt: skip
                return cells.answer(engine, params, asked, column,
                                    library=library, lib=grid.library, model=chosen.name,
                                    file_id=record.id, family=chosen.prompt_family,
                                    cancel=cancel)  # fmt: skip
            except (DocumentError, ContextOverflow) as exc:  # this cell fails; the rest go on
                log.warning("a grid cell failed: %s", type(exc).__name__)
                return Cell(record.id, column.id, "failed", "Failed", exc.message, [], [],
                            chosen.name)  # fmt: skip

        return ask

    # -- output ------------------------------------------------------------------------

    def export(self, grid: Grid, path: Path) -> Path:
        """CSV (a sources column per question), XLSX (sources as cell comments) or Word
        (.docx), chosen by the file's suffix."""
        return export_mod.export(grid, path)
