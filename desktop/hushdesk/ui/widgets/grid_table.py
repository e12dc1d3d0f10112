"""A review grid on screen: a row per document, a column per question, each cell the
answer its own document gave — "Not stated" in grey, an edit by hand marked, a failed
cell flagged. A cell's tooltip holds the whole answer and the passage it stands on;
double-click (or Enter) opens that passage in its document at the page.

Everything shown comes from documents or a model: plain text only (the item model
returns strings; the application's text policy shows tooltips as written)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPalette, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from hushdesk.services.review import Cell, Column, Grid, sources

Index = QModelIndex | QPersistentModelIndex
PASSAGE_CHARS = 400
COLUMN_WIDTH = 220
MIN_FIT_WIDTH = 170  # a question's column, when they share the table's width
TYPES = {"text": "", "date": "date", "amount": "amount", "yes/no": "yes/no", "choice": "one of"}


def describe(cell: Cell | None) -> str:
    """A cell's tooltip: the answer as checked, its place and the passage it stands on."""
    if cell is None:
        return "Not answered yet."
    if cell.state == "not stated":
        return "The document does not say (no passage backs an answer)."
    if cell.state == "failed":
        return f"This cell could not be answered: {cell.answer}"
    lines = ["Edited by hand." if cell.state == "edited" else cell.answer]
    for c in sources(cell):
        passage = " ".join(c.passage.split())
        cut = passage[:PASSAGE_CHARS] + ("…" if len(passage) > PASSAGE_CHARS else "")
        lines += ["", f"{c.where}:", f"“{cut}”"]
    return "\n".join(lines)


class GridModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid: Grid | None = None

    def set_grid(self, grid: Grid | None) -> None:
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def put(self, cell: Cell) -> None:
        """A cell answered while the grid is on screen."""
        grid = self.grid
        if grid is None:
            return
        rows = [d.id for d in grid.documents]
        columns = [c.id for c in grid.columns]
        if cell.file_id not in rows or cell.column_id not in columns:
            return
        grid.cells[(cell.file_id, cell.column_id)] = cell
        at = self.index(rows.index(cell.file_id), columns.index(cell.column_id))
        self.dataChanged.emit(at, at)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.documents)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.columns)

    def at(self, index: Index) -> tuple[int, Column, Cell | None] | None:
        """The document's file id, the column and its cell at ``index``."""
        if self.grid is None or not index.isValid():
            return None
        doc = self.grid.documents[index.row()]
        column = self.grid.columns[index.column()]
        return doc.id, column, self.grid.cell(doc.id, column.id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.at(index)
        if found is None:
            return None
        _file, _column, cell = found
        if role == Qt.ItemDataRole.DisplayRole:
            if cell is None:
                return "…"
            if cell.state == "failed":
                return "⚠ Could not answer"
            return ("✎ " if cell.state == "edited" else "") + cell.value
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe(cell)
        if role == Qt.ItemDataRole.FontRole and (cell is None or cell.state == "not stated"):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and (cell is None or cell.state == "not stated"):
            return QPalette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (
                describe(cell)
                if cell and cell.state != "answered"
                else (cell.value if cell else "")
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.grid is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        if orientation == Qt.Orientation.Vertical:
            doc = self.grid.documents[section]
            return doc.name if role == Qt.ItemDataRole.DisplayRole else doc.path
        column = self.grid.columns[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            choices = f": {', '.join(column.choices)}" if column.choices else ""
            return f"{column.question}\nAnswer type: {column.type}{choices}"
        kind = TYPES.get(column.type, "")
        return f"{column.question}\n({kind})" if kind else column.question


class GridTable(QTableView):
    """The grid's table; ``openCell`` asks for a cell's source to be shown."""

    openCell = Signal(int, int)  # file id, column id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid_model = GridModel(self)
        self.setModel(self.grid_model)
        self.setAccessibleName("Review grid")
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        across = self.horizontalHeader()
        across.setDefaultSectionSize(COLUMN_WIDTH)
        across.setMinimumSectionSize(90)
        down = self.verticalHeader()
        down.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        down.setMaximumWidth(260)
        self.doubleClicked.connect(self._open)
        self.activated.connect(self._open)
        self.grid_model.modelReset.connect(self._fit)

    def _fit(self) -> None:
        """The questions share the width while each keeps a readable one; past that
        they keep theirs (resizable) and the table scrolls sideways."""
        across = self.horizontalHeader()
        columns = self.grid_model.columnCount()
        fits = columns and columns * MIN_FIT_WIDTH <= self.viewport().width()
        mode = QHeaderView.ResizeMode.Stretch if fits else QHeaderView.ResizeMode.Interactive
        across.setSectionResizeMode(mode)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _open(self, index: QModelIndex) -> None:
        found = self.grid_model.at(index)
        if found is not None and found[2] is not None and found[2].sources:
            self.openCell.emit(found[0], found[1].id)

    def current(self) -> tuple[int, Column, Cell | None] | None:
        return self.grid_model.at(self.currentIndex())
