"""A question about one row's amount, on the real parts: a CSV and an XLSX read by the
real reader child, the real store and embeddings, the starter model through the app's
grounded answer path. The row comes back with its column names, cited by sheet and
row, and the amount the user reads is the cell's."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.assistant.grounding import ground, said_not_found, settle
from hushdesk.services.conversations import ChatSetup
from tests.documents import table_pdf

pytestmark = pytest.mark.slow

HEADER = ("Tenant", "Property", "Monthly rent", "Due")
TENANTS = [
    ("Acme Ltd", "12 High St", 1250.0, dt.date(2026, 1, 1)),
    ("Birch & Co", "3 Mill Lane", 980.5, dt.date(2026, 2, 1)),
    ("Cobalt Partners LLP", "Unit 4, Dock Road", 12400.0, dt.date(2026, 3, 15)),
    ("Delta Holdings", "7 Station Rd", 2075.25, dt.date(2026, 4, 1)),
    ("Elm Dental Practice", "22 Elm Grove", 1625.0, dt.date(2026, 5, 1)),
    ("Fenwick Architects", "Studio 9, Quay St", 3310.75, dt.date(2026, 6, 1)),
]
QUESTION = "What is the monthly rent of Delta Holdings?"
AMOUNT = "2,075.25"


def _csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows((t, p, f"{r:,.2f}", d.isoformat()) for t, p, r, d in TENANTS)
    return path


def _xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Rents"
    sheet.append(list(HEADER))
    for row in TENANTS:
        sheet.append(list(row))
    for rent, due in sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        rent.number_format = "#,##0.00"
        due.number_format = "dd/mm/yyyy"
    book.save(path)
    return path


def _ask(app: App, library: str, question: str) -> tuple[str, tuple]:
    setup = ChatSetup(libraries=[library], sampling={"seed": 1, "temperature": 0.0})
    chat = app.conversations.open(setup=setup, keep=False)
    answer = app.conversations.send(chat, question).collect().text
    return answer, chat.turns[-1].citations


@pytest.mark.parametrize(
    ("make", "name", "where", "record"),
    [
        (_csv, "rents.csv", "rents.csv, row 5", "Row 5 — "),
        (_xlsx, "rents.xlsx", "rents.xlsx, sheet Rents, row 5", 'Sheet "Rents", row 5 — '),
    ],
    ids=["csv", "xlsx"],
)
def test_a_rows_amount_is_found_cited_by_its_row_and_quoted(
    tmp_path: Path, make, name: str, where: str, record: str
) -> None:
    app = App()
    try:
        library = app.documents.library("Rents")
        report = app.library.ingest(library, [make(tmp_path / name)])
        assert all(e.status != "failed" for e in report.events), report.events
        assert report.events[-1].detail == f"{len(TENANTS)} rows"

        grounding = ground(app.library, [library], QUESTION)
        top = grounding.citations[0]
        assert top.where == where, [c.where for c in grounding.citations]
        assert top.passage == (
            f"{record}Tenant: Delta Holdings; Property: 7 Station Rd; "
            f"Monthly rent: {AMOUNT}; Due: 2026-04-01"
        )

        # A capable model's answer stands on the row; another row's figure does not.
        right = settle(f"The monthly rent of Delta Holdings is {AMOUNT} [1].", grounding, QUESTION)
        assert right.supported == 1, right
        wrong = settle("The monthly rent of Delta Holdings is 1,625.00 [1].", grounding, QUESTION)
        assert wrong.supported == 0, wrong

        # The starter model, through the chat: the amount the user reads is the cell's,
        # in the answer or in the passage it cites.
        answer, citations = _ask(app, "Rents", QUESTION)
        assert not said_not_found(answer) or AMOUNT in answer, answer
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
        shown = [c for c in citations if c.n in cited] or list(citations)
        assert AMOUNT in answer or any(AMOUNT in c.passage for c in shown), (answer, shown)
        assert any(c.where == where for c in citations), [c.where for c in citations]
    finally:
        app.close()


def test_a_pdf_tables_row_is_found_with_its_header(tmp_path: Path) -> None:
    rows = [HEADER] + [(t, p, f"{r:,.2f}", d.isoformat()) for t, p, r, d in TENANTS]
    path = table_pdf(
        tmp_path / "schedule.pdf",
        "Schedule of rents. The landlord lets these units at the monthly rents below.",
        rows,
        "Rent reviews take place every five years.",
    )
    app = App()
    try:
        library = app.documents.library("Schedules")
        app.library.ingest(library, [path])
        grounding = ground(app.library, [library], QUESTION)
        top = grounding.citations[0]
        assert top.where == "schedule.pdf, page 1"
        assert f"Tenant: Delta Holdings; Property: 7 Station Rd; Monthly rent: {AMOUNT}" in (
            top.passage
        )
        right = settle(f"The monthly rent of Delta Holdings is {AMOUNT} [1].", grounding, QUESTION)
        assert right.supported == 1, right
    finally:
        app.close()
