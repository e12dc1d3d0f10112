"""Tables on a PDF page kept as tables: each row one line that names its columns
(``Tenant: Acme Ltd; Monthly rent: 1,250.00``) in place of the flattened row
(``Acme Ltd 12 High St 1,250.00``), where which figure is whose is lost.

A PDF has no tables, only text placed on a page, so a table is inferred from its layout
(pypdf's layout mode keeps each line's horizontal positions): a block of at least three
lines (a header and two rows) whose words leave the same gaps, two spaces or wider,
down the whole block. Turning prose into records is worse than leaving a table flat,
so a block is kept as prose unless everything agrees: a header of short names and no
figures, none of them a label ending in ":" (a letter's "Date:   1 March" is not a
table) or cut from a longer cell (a bracket left open); cells of a few words (two
columns of prose have long ones); three columns, or two of which one holds figures; no
row that only continues the one above (a cell on two lines cannot be told from two
rows: sed's manual has such a table); and each of its lines found, in order, in the
page's ordinary text, which is what is replaced — the prose around a table is left
exactly as the ordinary reading gives it, and a page without a table is not touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hushdesk.library.sheets import header_like, is_value

MIN_LINES = 3  # a header and two rows
MIN_GAP = 2  # spaces between two columns
MAX_CELL_CHARS = 60
MAX_CELL_WORDS = 5.0  # on average, over a table's filled cells
_GAPPED = re.compile(rf"\S {{{MIN_GAP},}}\S")


def with_tables(text: str, layout: Callable[[], str]) -> str:
    """``text`` (a page's ordinary reading) with the tables that ``layout()`` (the same
    page read with its layout) shows written row by row with their headers."""
    if sum(1 for line in text.splitlines() if len(line.split()) >= 2) < MIN_LINES:
        return text
    try:
        blocks = [t for t in (_table(b) for b in _blocks(layout())) if t is not None]
    except Exception:  # a layout the reader cannot give: the page as read
        return text
    lines = text.split("\n")
    for rows, records in blocks:
        span = _find(lines, rows)
        if span is not None:
            lines[span[0] : span[1]] = records
    return "\n".join(lines)


def _blocks(layout: str) -> list[list[str]]:
    """Runs of lines with wide gaps between words (blank lines between them allowed:
    ruled tables leave one between rows)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in [*layout.splitlines(), "end"]:
        if not line.strip():
            continue
        if _GAPPED.search(line.strip()):
            current.append(line.rstrip())
            continue
        if len(current) >= MIN_LINES:
            blocks.append(current)
        current = []
    return blocks


def _columns(lines: list[str]) -> list[tuple[int, int]]:
    """Spans of characters filled on some line, between gaps blank on every line."""
    width = max(len(line) for line in lines)
    filled = [False] * width
    for line in lines:
        for i, char in enumerate(line):
            filled[i] = filled[i] or not char.isspace()
    spans: list[tuple[int, int]] = []
    start, blank = None, 0
    for i, used in enumerate([*filled, False, False]):
        if used:
            if start is None:
                start = i
            elif blank >= MIN_GAP:
                spans.append((start, i - blank))
                start = i
            blank = 0
        else:
            blank += 1
    if start is not None:
        spans.append((start, width))
    return spans


def _table(lines: list[str]) -> tuple[list[str], list[str]] | None:
    """(the block's lines, its rows as records), or None when it is not surely a table."""
    spans = _columns(lines)
    cells = [[line[a:b].strip() for a, b in spans] for line in lines]
    header, rows = cells[0], cells[1:]
    filled = [c for row in cells for c in row if c]
    if (
        len(spans) < 2
        or not all(header)
        or not header_like(header)
        or any(name.endswith(":") or not _balanced(name) for name in header)
        or any(not row[0] or sum(1 for c in row if c) < 2 for row in rows)
        or any(len(c) > MAX_CELL_CHARS for c in filled)
        or sum(len(c.split()) for c in filled) > MAX_CELL_WORDS * len(filled)
    ):
        return None
    figures = [sum(is_value(row[i]) for row in rows) * 2 > len(rows) for i in range(len(spans))]
    if len(spans) == 2 and not any(figures):
        return None
    records = [
        "; ".join(f"{name}: {c}" for name, c in zip(header, row, strict=True) if c) for row in rows
    ]
    return lines, records


def _balanced(name: str) -> bool:
    """A whole name: a cell cut from a longer one ("literal '+' (plus") has a bracket
    or a quote open."""
    pairs = (("(", ")"), ("[", "]"), ("{", "}"))
    return all(name.count(a) == name.count(b) for a, b in pairs) and name.count('"') % 2 == 0


def _find(lines: list[str], rows: list[str]) -> tuple[int, int] | None:
    """Where ``rows`` (as laid out) stand in ``lines`` (as read), one after another,
    compared without spaces; None when they do not."""
    wanted = ["".join(row.split()) for row in rows]
    plain = ["".join(line.split()) for line in lines]
    for start in range(len(plain) - len(wanted) + 1):
        if plain[start : start + len(wanted)] == wanted:
            return start, start + len(wanted)
    return None
