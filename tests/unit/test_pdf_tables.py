"""Tables in PDFs kept as tables (each row with its header's names) by the real reader
(pypdf), prose around them untouched, and pages of prose — a licence, a manual with a
table whose cells run over two lines, two columns, a letter's heading, a table of
contents — read exactly as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

from hushdesk.library import loaders, tables
from tests.documents import printed_pdf, real_manual, real_text, table_pdf

BEFORE = (
    "Schedule of rents. The landlord lets the following units to the tenants named "
    "below, each at the monthly rent shown, payable in advance."
)
AFTER = "Rent reviews take place every five years. Late payment carries interest at 4%."
RENTS = [
    ("Tenant", "Property", "Monthly rent", "Due"),
    ("Acme Ltd", "12 High St", "1,250.00", "2026-01-01"),
    ("Birch & Co", "3 Mill Lane", "980.50", "2026-02-01"),
    ("Cobalt Partners LLP", "Unit 4, Dock Road", "12,400.00", "2026-03-15"),
]


def _plain(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages as the reader gives them with no table found."""
    with monkeypatch.context() as patch:
        patch.setattr(tables, "with_tables", lambda text, _layout: text)
        return [p.text for p in loaders.load_here(str(path), None, False).pages]


def test_a_table_is_read_row_by_row_with_its_header_and_the_prose_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = table_pdf(tmp_path / "schedule.pdf", BEFORE, RENTS, AFTER)
    (page,) = loaders.load_here(str(path), None, False).pages
    lines = page.text.splitlines()
    records = [line for line in lines if line.startswith("Tenant: ")]
    assert records == [
        "Tenant: Acme Ltd; Property: 12 High St; Monthly rent: 1,250.00; Due: 2026-01-01",
        "Tenant: Birch & Co; Property: 3 Mill Lane; Monthly rent: 980.50; Due: 2026-02-01",
        "Tenant: Cobalt Partners LLP; Property: Unit 4, Dock Road; Monthly rent: 12,400.00; "
        "Due: 2026-03-15",
    ]
    (plain,) = _plain(path, monkeypatch)
    flat = [" ".join(row) for row in RENTS]  # the rows as the ordinary reading gives them
    assert [line for line in plain.splitlines() if line not in flat] == [
        line for line in lines if line not in records
    ]  # the prose, line for line
    assert lines.index(records[0]) == plain.splitlines().index(flat[0])  # where the table was


def _two_columns(folder: Path) -> Path:
    path = folder / "columns.pdf"
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=10)
    with document.text_columns(ncols=2, gutter=8) as columns:
        columns.write(real_text("Apache-2.0")[:5000])
    document.output(str(path))
    return path


def _letter(folder: Path) -> Path:
    path = folder / "letter.pdf"
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=11)
    for name, value in [("Date:", "1 March 2026"), ("Our ref:", "ABC/123"), ("To:", "Mr Smith")]:
        document.cell(40, 7, name)
        document.cell(0, 7, value)
        document.ln()
    document.multi_cell(0, 6, "Dear Mr Smith, we write about the lease of 12 High Street.")
    document.output(str(path))
    return path


def _contents(folder: Path) -> Path:
    path = folder / "contents.pdf"
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=11)
    document.cell(0, 7, "Contents")
    document.ln()
    for name, page in [("1. Definitions", "3"), ("2. Term", "5"), ("3. Rent", "6")]:
        document.cell(150, 7, name)
        document.cell(0, 7, page)
        document.ln()
    document.output(str(path))
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda folder: printed_pdf(folder / "a.pdf", "Apache", real_text("Apache-2.0")),
        lambda folder: printed_pdf(folder / "sed.pdf", "sed", real_manual("sed")),
        _two_columns,
        _letter,
        _contents,
    ],
    ids=["licence", "manual", "two-columns", "letter", "contents"],
)
def test_a_page_without_a_table_reads_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    read = [p.text for p in loaders.load_here(str(path), None, False).pages]
    assert read == _plain(path, monkeypatch)


def test_a_cited_row_is_marked_on_its_page(tmp_path: Path) -> None:
    from hushdesk.library.render import render_here

    path = table_pdf(tmp_path / "schedule.pdf", BEFORE, RENTS, AFTER)
    row = "Tenant: Birch & Co; Property: 3 Mill Lane; Monthly rent: 980.50; Due: 2026-02-01"
    page = render_here(str(path), 1, row, None, 1.0)
    assert len(page.boxes) == 4  # its four cells, printed without the column names
    assert len({round(top) for _, top, _, _ in page.boxes}) == 1  # on one line: the row's
