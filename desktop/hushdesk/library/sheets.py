"""Spreadsheets (XLSX, CSV) as records: each row one passage that names its place and
its columns — ``Sheet "Rents", row 7 — Tenant: Acme Ltd; Monthly rent: 1,250.00``.

One row per passage, never several: a figure is only an answer with the row it belongs
to, and a window of rows cut at a word count puts one row's amount beside another's
tenant (the embedding blurs them, the evidence check finds the number "in the
passage"). Each row carries its column names, so a passage reads as a record on its
own, and its label (``sheet Rents, row 7``) is what a citation names in place of a page.

A spreadsheet is data a colleague or a client sent: nothing in it is ever run. XLSX is
read with openpyxl in read-only mode with cached values only (a formula is never
evaluated; one never calculated has no value and is left out), columns past
``MAX_COLUMNS`` are not read, and every reader stops at ``MAX_ROWS`` rows with a
warning. A CSV cell that looks like a formula (``=HYPERLINK(...)``) stays the text it is.
Runs in the reader child (``loaders``), whose time and memory limits bound the rest.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hushdesk.errors import DocumentError
from hushdesk.library.text import encoding as text_encoding

MAX_ROWS = 50_000  # records of one file: each is a passage to embed (~4 min on a CPU)
MAX_COLUMNS = 200
MAX_CELL_CHARS = 2_000
MAX_NAME_CHARS = 80  # a sheet's or a column's name as a passage shows it
SAMPLE_BYTES = 64 * 1024  # what a CSV's encoding and delimiter are guessed from
DELIMITERS = ",;\t|"
TITLE_ROWS = 5  # rows above a header that may be a title or a note
KINDS = ("xlsx", "csv")  # what LoadedDocument.kind says of a spreadsheet


@dataclass(frozen=True)
class Record:
    label: str  # where it is, as a citation says it: "sheet Rents, row 7", "row 7"
    text: str  # the passage: its place, then "Column: value; …"


@dataclass
class Records:
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str = ""


# -- XLSX ---------------------------------------------------------------------------------


def xlsx_records(path: Path) -> Records:
    """Every sheet's rows as records, sheet by sheet. The caller checked the zip."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"{path.name} is not a readable Excel workbook ({exc}).") from exc
    out = Records(title=str(book.properties.title or "") if book.properties else "")
    try:
        for sheet in book.worksheets:
            name = _name(str(sheet.title))
            rows = _xlsx_rows(sheet)
            if not _add_table(out, rows, place=f'Sheet "{name}", row', label=f"sheet {name}, row"):
                break
    finally:
        book.close()
    return out


def _xlsx_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of a sheet's rows that hold anything. A read-only sheet
    pads a row only to ``max_col``, not to the width its file claims."""
    for row in sheet.iter_rows(min_col=1, max_col=MAX_COLUMNS):
        number = next((c.row for c in row if getattr(c, "row", None)), None)
        cells = [cell_text(c.value, getattr(c, "number_format", "General")) for c in row]
        if number is not None and any(cells):
            yield int(number), cells


def cell_text(value: object, number_format: str = "General") -> str:
    """A cell as the spreadsheet shows it, as far as its format says: amounts with their
    thousands separators and decimals, percentages, dates as ISO dates; raw otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, int | float):
        return _number(value, number_format or "General")
    return _cut(str(value))


_QUOTED = re.compile(r'"([^"]*)"')
_LOCALE = re.compile(r"\[\$([^\]-]*)(?:-[^\]]*)?\]")  # [$£-809]: the symbol, then a locale
_BRACKETS = re.compile(r"\[[^\]]*\]")  # colours, conditions
_SYMBOLS = "$£€¥"


def _number(value: float, number_format: str) -> str:
    section = number_format.split(";", 1)[0]  # the positive numbers' format; "-" marks the rest
    bare = _BRACKETS.sub("", _QUOTED.sub("", section))
    if not re.search(r"[0#?]", bare) or "E" in bare.upper() or "/" in bare:
        return _general(value)  # General, text, fractions, scientific: the raw value
    symbol = "".join(_QUOTED.findall(section) + _LOCALE.findall(section)).strip()
    symbol = symbol or "".join(c for c in bare if c in _SYMBOLS)
    whole, _, fraction = bare.partition(".")
    decimals = len(re.findall(r"[0#?]", fraction))
    percent = "%" in bare
    shown = f"{abs(value) * (100 if percent else 1):{',' if ',' in whole else ''}.{decimals}f}"
    sign = "-" if value < 0 and any(d in "123456789" for d in shown) else ""
    return sign + symbol + shown + ("%" if percent else "")


def _general(value: float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return f"{value:.15g}"


# -- CSV ----------------------------------------------------------------------------------


def csv_records(path: Path) -> Records:
    """A CSV (or TSV) file's rows as records; its encoding (as a text file's) and its
    delimiter are guessed from its start."""
    with path.open("rb") as raw:
        start = raw.read(SAMPLE_BYTES)
    encoding = text_encoding(start)
    sample = start.decode(encoding, errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, DELIMITERS)
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    out = Records()
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        try:
            _add_table(out, _csv_rows(csv.reader(handle, dialect)), place="Row", label="row")
        except csv.Error as exc:  # a field past csv's own limit (128 KB), a stray NUL
            raise DocumentError(f"{path.name} is not a readable CSV file ({exc}).") from exc
    return out


def _csv_rows(reader: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(reader, start=1):  # as a spreadsheet app numbers them
        cells = [_cut(c.strip()) for c in row[:MAX_COLUMNS]]
        if any(cells):
            yield number, cells


# -- rows → records -----------------------------------------------------------------------


def _add_table(out: Records, rows: Iterator[tuple[int, list[str]]], place: str, label: str) -> bool:
    """One table's rows into ``out``. Its header is its first row of two cells or more
    when they are names, among its first ``TITLE_ROWS`` rows (rows of one cell above it
    are a title or a note, kept as they are); without one, columns are named by letter.
    False once ``MAX_ROWS`` records are read."""
    header: list[str] = []
    looking = TITLE_ROWS  # rows left where the header may be
    for number, cells in rows:
        if looking and sum(1 for c in cells if c) >= 2:
            looking = 0  # the first row of several cells: the header, or there is none
            if header_like(cells):
                header = [_name(c) or column_name(i) for i, c in enumerate(cells)]
                continue
        looking = max(0, looking - 1)
        if len(out.records) >= MAX_ROWS:
            out.warnings.append(
                f"Only the first {MAX_ROWS:,} rows were read; the rest of the file was not."
            )
            return False
        names = header + [column_name(i) for i in range(len(header), len(cells))]
        fields = "; ".join(f"{names[i]}: {c}" for i, c in enumerate(cells) if c)
        out.records.append(Record(f"{label} {number}", f"{place} {number} — {fields}"))
    return True


_VALUE = re.compile(r"[-+(]?[$£€¥]?\d[\d,.\s/:-]*%?\)?")


def is_value(text: str) -> bool:
    """Whether a cell is a figure: a number, an amount, a percentage or a date."""
    return _VALUE.fullmatch(text) is not None


def header_like(cells: list[str]) -> bool:
    """Whether a first row names the columns: at least two names, none of them a
    number, an amount or a date (a sheet that starts with data has no header)."""
    filled = [c for c in cells if c]
    return len(filled) >= 2 and not any(is_value(c) for c in filled)


def column_name(index: int) -> str:
    """The spreadsheet's name of column ``index`` (0 → "A", 26 → "AA")."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"Column {letters}"


def _name(text: str) -> str:
    return " ".join(text.split())[:MAX_NAME_CHARS]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"
