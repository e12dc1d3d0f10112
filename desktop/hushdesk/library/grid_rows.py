"""The document store's review grids: the questions asked of every document of a
library, and each cell's answer with its sources, kept as it is answered.

They live in the library's own store (its tables ``grids`` and ``grid_cells``): a cell
names a file of the library, so removing the file or the library removes its cells
(foreign keys), a matter's handover carries them with the documents, and a cell is
written the moment it is answered, so a job stopped by a kill resumes at the first
cell with none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hushdesk.sqlitedb import Database

GRID_SCHEMA = """
    CREATE TABLE grids (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        library_id INTEGER NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        columns TEXT NOT NULL,  -- JSON [{id, question, type, choices}]
        files TEXT,  -- JSON [file id, ...] picked; NULL: every document of the library
        model TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE grid_cells (
        grid_id INTEGER NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        column_id INTEGER NOT NULL,
        state TEXT NOT NULL,  -- answered | not stated | edited | failed
        value TEXT NOT NULL,  -- what the cell shows
        answer TEXT NOT NULL,  -- the checked answer, with its source numbers
        sources TEXT NOT NULL DEFAULT '[]',  -- JSON citations
        checks TEXT NOT NULL DEFAULT '[]',  -- JSON: how each sentence fared
        model TEXT NOT NULL DEFAULT '',
        updated_at REAL NOT NULL,
        PRIMARY KEY (grid_id, file_id, column_id)
    );
"""

CellState = Literal["answered", "not stated", "edited", "failed"]
ColumnType = Literal["text", "date", "amount", "yes/no", "choice"]
COLUMN_TYPES: tuple[ColumnType, ...] = ("text", "date", "amount", "yes/no", "choice")


@dataclass(frozen=True)
class Column:
    id: int
    question: str
    type: ColumnType = "text"
    choices: tuple[str, ...] = ()  # the answers a "choice" column may take

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "type": self.type,
                "choices": list(self.choices)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Column:
        kind = data.get("type", "text")
        return cls(
            int(data["id"]),
            str(data["question"]),
            kind if kind in COLUMN_TYPES else "text",
            tuple(str(c) for c in data.get("choices") or ()),
        )


@dataclass(frozen=True)
class Cell:
    file_id: int
    column_id: int
    state: CellState
    value: str
    answer: str
    sources: list[dict[str, Any]] = field(default_factory=list)  # Citation.to_dict()s
    checks: list[dict[str, Any]] = field(default_factory=list)
    model: str = ""
    updated_at: float = 0.0


@dataclass(frozen=True)
class GridRecord:
    id: int
    library_id: int
    name: str
    columns: tuple[Column, ...]
    files: tuple[int, ...] | None  # None: every document of the library
    model: str | None
    created_at: float
    updated_at: float


class GridRows(Database):
    """The grids of ``DocumentStore`` (its tables ``grids`` and ``grid_cells``)."""

    def add_grid(
        self,
        library_id: int,
        name: str,
        columns: Sequence[Column],
        files: Sequence[int] | None,
        model: str | None,
    ) -> int:
        now = time.time()
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO grids (library_id, name, columns, files, model, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (library_id, name, _columns_json(columns),
                 None if files is None else json.dumps(list(files)), model, now, now),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

    def grids(self, library_id: int | None = None) -> list[GridRecord]:
        """Newest change first."""
        if library_id is None:
            rows = self._rows("SELECT * FROM grids ORDER BY updated_at DESC")
        else:
            rows = self._rows(
                "SELECT * FROM grids WHERE library_id = ? ORDER BY updated_at DESC", (library_id,)
            )
        return [_grid(r) for r in rows]

    def grid(self, grid_id: int) -> GridRecord | None:
        rows = self._rows("SELECT * FROM grids WHERE id = ?", (grid_id,))
        return _grid(rows[0]) if rows else None

    def rename_grid(self, grid_id: int, name: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE grids SET name = ?, updated_at = ? WHERE id = ?",
                (name, time.time(), grid_id),
            )

    def set_columns(self, grid_id: int, columns: Sequence[Column]) -> None:
        """The grid's questions; a column taken away takes its cells with it."""
        kept = {c.id for c in columns}
        with self._tx() as db:
            rows = db.execute("SELECT columns FROM grids WHERE id = ?", (grid_id,)).fetchall()
            before = {int(c["id"]) for r in rows for c in json.loads(r["columns"])}
            db.executemany(
                "DELETE FROM grid_cells WHERE grid_id = ? AND column_id = ?",
                [(grid_id, gone) for gone in before - kept],
            )
            db.execute(
                "UPDATE grids SET columns = ?, updated_at = ? WHERE id = ?",
                (_columns_json(columns), time.time(), grid_id),
            )

    def delete_grid(self, grid_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM grids WHERE id = ?", (grid_id,))

    def put_cell(self, grid_id: int, cell: Cell) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO grid_cells (grid_id, file_id, column_id, state, value, "
                "answer, sources, checks, model, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (grid_id, cell.file_id, cell.column_id, cell.state, cell.value, cell.answer,
                 json.dumps(cell.sources), json.dumps(cell.checks), cell.model, time.time()),
            )  # fmt: skip
            db.execute("UPDATE grids SET updated_at = ? WHERE id = ?", (time.time(), grid_id))

    def clear_cell(self, grid_id: int, file_id: int, column_id: int) -> None:
        with self._tx() as db:
            db.execute(
                "DELETE FROM grid_cells WHERE grid_id = ? AND file_id = ? AND column_id = ?",
                (grid_id, file_id, column_id),
            )

    def cells(self, grid_id: int) -> dict[tuple[int, int], Cell]:
        """(file id, column id) → its cell, for the cells answered so far."""
        rows = self._rows("SELECT * FROM grid_cells WHERE grid_id = ?", (grid_id,))
        return {(r["file_id"], r["column_id"]): _cell(r) for r in rows}


def _columns_json(columns: Sequence[Column]) -> str:
    return json.dumps([c.to_dict() for c in columns])


def _grid(row: Any) -> GridRecord:
    files = json.loads(row["files"]) if row["files"] is not None else None
    return GridRecord(
        id=row["id"],
        library_id=row["library_id"],
        name=row["name"],
        columns=tuple(Column.from_dict(c) for c in json.loads(row["columns"])),
        files=None if files is None else tuple(int(f) for f in files),
        model=row["model"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _cell(row: Any) -> Cell:
    return Cell(
        file_id=row["file_id"],
        column_id=row["column_id"],
        state=row["state"],
        value=row["value"],
        answer=row["answer"],
        sources=json.loads(row["sources"]),
        checks=json.loads(row["checks"]),
        model=row["model"],
        updated_at=row["updated_at"],
    )
