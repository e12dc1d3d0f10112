"""A review grid written out: CSV (each question's sources in a column of their own),
XLSX (each answer's source and quoted passage as the cell's comment) or Word (a table,
each answer with its source under it). Edited cells are marked, "not stated" kept as is.

Document text is untrusted here too: a cell that begins like a spreadsheet formula
(``=``, ``+``, ``-``, ``@``) is written so that no spreadsheet evaluates it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hushdesk.assistant.review.grid import Grid, sources
from hushdesk.assistant.word import xml_safe
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes, atomic_write_text
from hushdesk.library.grid_rows import Cell

KINDS = (".csv", ".xlsx", ".docx")
EDITED = " (edited)"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
COMMENT_CHARS = 2000


def export(grid: Grid, path: Path) -> Path:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        atomic_write_text(path, as_csv(grid))
    elif suffix == ".xlsx":
        atomic_write_bytes(path, as_xlsx(grid))
    elif suffix == ".docx":
        atomic_write_bytes(path, as_docx(grid))
    else:
        kind = suffix or "that"
        raise HushdeskError(f"Cannot export a grid to {kind} file: use .csv, .xlsx or .docx.")
    return path


def shown(cell: Cell | None) -> str:
    """A cell's value as exported ("" while it has no answer)."""
    if cell is None:
        return ""
    return cell.value + (EDITED if cell.state == "edited" else "")


def where(cell: Cell | None) -> str:
    """ "lease.pdf, page 3; lease.pdf, page 7" — the places a cell's answer stands."""
    return "; ".join(c.where for c in sources(cell))


def inert(text: str) -> str:
    """Text a spreadsheet shows as written, never as a formula."""
    return "'" + text if text.startswith(_FORMULA) else text


def as_csv(grid: Grid) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["Document"]
    for column in grid.columns:
        header += [column.question, f"{column.question} (source)"]
    writer.writerow([inert(h) for h in header])
    for doc in grid.documents:
        row = [doc.name]
        for column in grid.columns:
            cell = grid.cell(doc.id, column.id)
            row += [shown(cell), where(cell)]
        writer.writerow([inert(v) for v in row])
    return out.getvalue()


def as_xlsx(grid: Grid) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Review"
    _put(sheet.cell(1, 1), "Document").font = Font(bold=True)
    for j, column in enumerate(grid.columns, start=2):
        head = _put(sheet.cell(1, j), column.question)
        head.font = Font(bold=True)
        head.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[head.column_letter].width = 32
    sheet.column_dimensions["A"].width = 28
    sheet.freeze_panes = "B2"
    for i, doc in enumerate(grid.documents, start=2):
        _put(sheet.cell(i, 1), doc.name)
        for j, column in enumerate(grid.columns, start=2):
            cell = grid.cell(doc.id, column.id)
            target = _put(sheet.cell(i, j), shown(cell))
            target.alignment = Alignment(wrap_text=True, vertical="top")
            if cell is not None and cell.state in ("not stated", "failed"):
                target.font = Font(italic=True, color="808080")
            note = _comment(cell)
            if note:
                target.comment = Comment(note, "Hushdesk", width=400, height=200)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(cell: Any, value: str) -> Any:
    """A string cell, never a formula (openpyxl reads "=…" as one)."""
    cell.value = value
    cell.data_type = "s"
    return cell


def _comment(cell: Cell | None) -> str:
    cited = sources(cell)
    if cell is None or not cited:
        return ""
    lines = [cell.answer, ""] if cell.answer and cell.answer != cell.value else []
    for c in cited:
        lines += [c.where, "“" + " ".join(c.passage.split())[:600] + "”", ""]
    return "\n".join(lines).strip()[:COMMENT_CHARS]


def as_docx(grid: Grid) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(xml_safe(grid.name), level=1)
    document.add_paragraph(
        f"{len(grid.documents)} documents of “{xml_safe(grid.library.name)}”, "
        f"{len(grid.columns)} questions. Each answer is from its own document; "
        "its source is under it."
    )
    table = document.add_table(rows=1, cols=len(grid.columns) + 1)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text = "Document"
    for j, column in enumerate(grid.columns, start=1):
        head[j].text = xml_safe(column.question)
    for row_cell in head:
        for run in row_cell.paragraphs[0].runs:
            run.bold = True
    for doc in grid.documents:
        cells = table.add_row().cells
        cells[0].text = xml_safe(doc.name)
        for j, column in enumerate(grid.columns, start=1):
            cell = grid.cell(doc.id, column.id)
            cells[j].text = xml_safe(shown(cell))
            place = where(cell)
            if place:
                note = cells[j].add_paragraph().add_run(xml_safe(place))
                note.italic = True
                note.font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
