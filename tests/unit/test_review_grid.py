"""Review grids through their real seams on a fake engine and embedder: documents read by
the real reader child into the real encrypted store, every cell asked of its own
document only, held to its passages, kept as it is answered, exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.engine.types import Message
from hushdesk.library.grid_rows import Column
from hushdesk.library.libraries import DocumentLibrary
from hushdesk.library.store import DocumentStore
from hushdesk.services.review import ReviewError, column_type
from tests.fakes import FakeEmbedder, FakeEngine
from tests.keys import TEST_KEY

LEASES = {
    "oak.md": "# Lease of Oak House\n\nThe landlord is Ada Moss. The monthly rent is EUR 1,250.\n\n"
    "The lease ends on 31 March 2027. The tenant may sublet with consent.\n",
    "elm.md": "# Lease of Elm Court\n\nThe landlord is Ben Okoro. The monthly rent is EUR 980.\n\n"
    "The lease ends on 1 June 2028. The tenant may not sublet.\n",
}


def _reply(messages: list[Message]) -> str:
    """What a good model would say, from the one document it was given."""
    prompt = messages[-1].content
    elm = "Elm Court" in prompt
    question = prompt.split("Question:")[1]
    if "landlord" in question:
        return "The landlord is Ben Okoro [1]." if elm else "The landlord is Ada Moss [1]."
    if "rent" in question:
        return "The monthly rent is EUR 980 [1]." if elm else "The monthly rent is EUR 1,250 [1]."
    if "insurance" in question:
        return "Not stated."
    if "end?" in question:  # the model invents one for Elm
        return f"The lease ends on {'5 May 2030' if elm else '31 March 2027'} [1]."
    return (
        "No, the tenant may not sublet [1]."
        if elm
        else "Yes, the tenant may sublet with consent [1]."
    )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    for name, text in LEASES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    engine = FakeEngine(respond=_reply)
    app = App(engine=engine)
    embedder = FakeEmbedder()
    store = DocumentStore(TEST_KEY, tmp_path / "library.sqlite")
    library = DocumentLibrary(app.registry, store, embedder_factory=lambda _model: embedder)
    app.__dict__["library"] = library  # the matter's library, on the fake embedder
    leases = library.library("Leases")
    assert not library.ingest(leases, [tmp_path / n for n in LEASES]).failed
    try:
        yield app
    finally:
        app.close()


QUESTIONS = [
    ("Who is the landlord?", "text", ()),
    ("What is the monthly rent?", "amount", ()),
    ("When does the lease end?", "date", ()),
    ("Can the tenant sublet?", "yes/no", ()),
    ("Who pays the insurance?", "text", ()),
]


def test_each_cell_is_answered_from_its_own_document_and_checked(app: App) -> None:
    grid = app.reviews.create("Leases", QUESTIONS, name="Leases 2026")
    done = app.reviews.run(grid.id)
    rows = {d["document"]: d["cells"] for d in done.to_json()}
    assert [c["answer"] for c in rows["oak.md"]] == [
        "Ada Moss", "EUR 1,250", "31 March 2027", "Yes", "Not stated",
    ]  # fmt: skip
    elm = rows["elm.md"]
    assert elm[0]["answer"] == "Ben Okoro"
    assert elm[0]["text"] == "The landlord is Ben Okoro [1]."  # the whole answer, checked
    assert elm[1]["answer"] == "EUR 980"
    assert elm[2]["state"] == "not stated"  # 5 May 2030 is in no passage of elm.md
    assert elm[4]["state"] == "not stated"
    assert elm[4]["sources"] == []
    for document, cells in rows.items():  # every answered cell cites its own document
        for cell in cells:
            assert all(s["file"] == document for s in cell["sources"])
            if cell["state"] == "answered":
                assert cell["sources"]
                assert cell["sources"][0]["page"] >= 1
    engine = app.runtime.shared.started
    assert engine is not None
    for request in engine.requests:  # one document in each prompt, never its sibling
        assert ("Oak House" in request[-1].content) != ("Elm Court" in request[-1].content)


def test_a_stopped_grid_resumes_without_asking_again_and_edits_are_marked(app: App) -> None:
    grid = app.reviews.create("Leases", QUESTIONS[:2])
    answered: list[int] = []

    def stop_after_two(cell: object) -> None:
        answered.append(1)
        if len(answered) == 2:
            raise KeyboardInterrupt  # as a kill would, between two cells

    with pytest.raises(KeyboardInterrupt):
        app.reviews.run(grid.id, on_cell=stop_after_two)
    assert len(app.reviews.get(grid.id).cells) == 2
    engine = app.runtime.shared.started
    assert engine is not None
    asked = len(engine.requests)
    done = app.reviews.run(grid.id)
    assert len(engine.requests) == asked + 2  # only the two cells still empty
    assert len(done.cells) == 4
    oak = next(d for d in done.documents if d.name == "oak.md")
    edited = app.reviews.edit(grid.id, oak.id, 1, "Ada Moss and Co.")
    assert edited.state == "edited"
    assert edited.sources
    again = app.reviews.reask(grid.id, oak.id, 1)
    assert again.state == "answered"
    assert again.value == "Ada Moss"


def test_columns_change_and_take_their_cells_with_them(app: App) -> None:
    grid = app.reviews.run(app.reviews.create("Leases", QUESTIONS[:2]).id)
    assert len(grid.cells) == 4
    grid = app.reviews.add_column(grid.id, "Who pays the insurance?")
    assert len(grid.missing()) == 2
    grid = app.reviews.remove_column(grid.id, 1)
    assert {c for _, c in grid.cells} == {2}
    grid = app.reviews.change_column(grid.id, 2, "What is the rent?", "amount", ())
    assert not grid.cells
    assert grid.columns[0].question == "What is the rent?"
    app.reviews.remove_column(grid.id, 3)
    with pytest.raises(ReviewError):
        app.reviews.remove_column(grid.id, 2)


def test_a_document_taken_out_of_the_library_takes_its_cells(app: App, tmp_path: Path) -> None:
    grid = app.reviews.run(app.reviews.create("Leases", QUESTIONS[:1]).id)
    app.library.remove(grid.library, str(tmp_path / "elm.md"))
    after = app.reviews.get(grid.id)
    assert [d.name for d in after.documents] == ["oak.md"]
    assert len(after.cells) == 1


def test_exports_keep_sources_and_never_write_a_formula(app: App, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    grid = app.reviews.run(app.reviews.create("Leases", QUESTIONS[:2]).id)
    oak = next(d for d in grid.documents if d.name == "oak.md")
    app.reviews.edit(grid.id, oak.id, 1, '=HYPERLINK("http://evil.example","click")')
    grid = app.reviews.get(grid.id)
    rows = list(csv.reader(io.StringIO(
        app.reviews.export(grid, tmp_path / "g.csv").read_text(encoding="utf-8"))))  # fmt: skip
    landlord, rent = QUESTIONS[0][0], QUESTIONS[1][0]
    assert rows[0] == ["Document", landlord, f"{landlord} (source)", rent, f"{rent} (source)"]
    elm = next(r for r in rows if r[0] == "elm.md")
    assert elm[1:4] == ["Ben Okoro", "elm.md, section 1", "EUR 980"]
    oak_row = next(r for r in rows if r[0] == "oak.md")
    assert oak_row[1].startswith("'=HYPERLINK")
    assert oak_row[1].endswith("(edited)")
    sheet = load_workbook(app.reviews.export(grid, tmp_path / "g.xlsx")).active
    assert sheet is not None
    values = {sheet.cell(r, 1).value: sheet.cell(r, 3) for r in (2, 3)}
    assert values["elm.md"].value == "EUR 980"
    assert "elm.md, section 1" in values["elm.md"].comment.text
    formula = next(sheet.cell(r, 2) for r in (2, 3) if sheet.cell(r, 1).value == "oak.md")
    assert formula.data_type == "s"  # shown as text, never evaluated
    table = Document(str(app.reviews.export(grid, tmp_path / "g.docx"))).tables[0]
    assert "EUR 980" in "\n".join(c.text for row in table.rows for c in row.cells)
    with pytest.raises(Exception, match=r"\.csv, \.xlsx or \.docx"):
        app.reviews.export(grid, tmp_path / "g.pdf")


def test_answer_types_are_read_as_written() -> None:
    from hushdesk.assistant.review.grid import typed_value

    assert column_type("Yes-No") == ("yes/no", ())
    assert column_type("choice: monthly | quarterly") == ("choice", ("monthly", "quarterly"))
    assert column_type("one of: England, Scotland") == ("choice", ("England", "Scotland"))
    with pytest.raises(ReviewError, match="not an answer type"):
        column_type("colour")
    with pytest.raises(ReviewError, match="two answers"):
        column_type("choice:only")
    amount = Column(1, "Rent?", "amount")
    assert typed_value("The rent is £1,250.50 per month, due on the 1st.", amount) == "£1,250.50"
    assert typed_value("It is 900 euros.", amount) == "900 euros"
    date = Column(2, "Ends?", "date")
    assert typed_value("It ends on 31 March 2027, unless renewed.", date) == "31 March 2027"
    yes = Column(3, "Sublet?", "yes/no")
    assert typed_value("No, not without consent.", yes) == "No"
    law = Column(4, "Law?", "choice", ("England", "Scotland"))
    assert typed_value("The laws of Scotland govern it.", law) == "Scotland"
    who = Column(5, "Who is the landlord?")
    assert typed_value("The landlord is Ada Moss.", who) == "Ada Moss"
    assert typed_value("The tenant is Ada Moss.", who) == "The tenant is Ada Moss."  # not said
    assert (
        typed_value("It is Ada Moss. She lives abroad.", who) == "It is Ada Moss. She lives abroad."
    )


def test_a_bare_yes_or_no_is_held_to_the_polarity_of_the_closest_sentences() -> None:
    from hushdesk.assistant.citations import Citation
    from hushdesk.assistant.review.grid import _by_polarity

    def cite(text: str) -> Citation:
        return Citation(1, "/cc0.pdf", "cc0.pdf", 1, 2, True, text, 0, len(text), 0.0)

    cc0 = cite(  # CC0 1.0 Universal, 4 (a), as Debian's base-files prints it
        "Limitations and Disclaimers. a. No trademark or patent rights held by Affirmer are "
        "waived, abandoned, surrendered, licensed or otherwise affected by this document."
    )
    question = "Does the licence expressly grant a patent licence?"  # British spelling
    assert _by_polarity("No, it does not.", question, [cc0]) == ("No", (cc0, cc0.passage[
        cc0.passage.index("No trademark"):]))  # fmt: skip
    assert _by_polarity("Yes, it does.", question, [cc0]) is None  # the sentence says no
    apache = cite("3. Grant of Patent License. Each Contributor hereby grants to You a "
                  "perpetual, worldwide, non-exclusive, no-charge patent license to make and "
                  "use the Work.")  # fmt: skip
    assert _by_polarity("Yes.", question, [apache]) is not None
    assert _by_polarity("No.", question, [apache]) is None
    assert _by_polarity("Yes.", "Is there a warranty of merchantability?", [apache]) is None


def test_a_date_answered_in_part_is_shown_as_its_source_writes_it() -> None:
    from hushdesk.assistant.citations import Citation
    from hushdesk.assistant.review.grid import _fuller_date

    title = "GNU GENERAL PUBLIC LICENSE Version 3, 29 June 2007 Copyright (C) 2007 FSF"
    gpl = Citation(1, "/gpl.pdf", "gpl.pdf", 1, 1, True, title, 0, len(title), 0.0)
    assert _fuller_date("2007", [gpl]) == "29 June 2007"
    assert _fuller_date("June 2007", [gpl]) == "29 June 2007"
    assert _fuller_date("1 March 2007", [gpl]) == "1 March 2007"  # has its day: as said
    assert _fuller_date("2004", [gpl]) == "2004"  # no such date in the source
    title = "Apache License Version 2.0, January 2004 http://www.apache.org/licenses/"
    apache = Citation(1, "/a.pdf", "a.pdf", 1, 1, True, title, 0, len(title), 0.0)
    assert _fuller_date("2004", [apache]) == "January 2004"


def test_a_short_name_or_title_is_held_to_the_passage_that_writes_it() -> None:
    from hushdesk.assistant.citations import Citation
    from hushdesk.assistant.review.grid import _held_otherwise

    def cite(n: int, text: str) -> Citation:
        return Citation(n, "/x.pdf", "x.pdf", 1, n, True, text, 0, len(text), 0.0)

    cover = cite(1, "Creative Commons Legal Code\n\nCC0 1.0\n  Universal\n\nCREATIVE COMMONS "
                    "CORPORATION IS NOT A LAW FIRM")  # fmt: skip
    fsf = cite(2, "Copyright (C) 2000,2001,2002  Free Software Foundation, Inc.")
    who, name = Column(1, "Who publishes this licence?"), Column(2, "What is this licence?")
    held = _held_otherwise("Free Software Foundation [2]", who, [cover, fsf])
    assert held is not None
    assert held[1] is fsf
    held = _held_otherwise("Creative Commons Legal Code, CC0 1.0 Universal", name, [cover, fsf])
    assert held is not None
    assert held[1] is cover
    assert _held_otherwise("Mozilla Foundation", who, [cover, fsf]) is None  # written nowhere
    assert _held_otherwise("the foundation", who, [cover, fsf]) is None  # no name, no fact


def test_an_answer_about_another_role_than_the_one_asked_is_not_stated() -> None:
    from hushdesk.assistant.review.grid import _answers_another

    who = "Who is the landlord?"
    assert _answers_another("The tenant is Clara Wu [1].", who)
    assert not _answers_another("The landlord is Clara Wu [1].", who)
    assert not _answers_another("Clara Wu is the landlord [1].", who)
    assert not _answers_another("It is Clara Wu.", who)
    assert not _answers_another("The document names Clara Wu as the landlord.", who)
    assert not _answers_another("The monthly rent is 980 euros.", "What is the monthly rent?")
    assert not _answers_another("The tenant is Clara Wu.", "When does the lease end?")


def test_an_answer_that_only_names_the_document_itself_is_not_stated() -> None:
    """The 1.5B model's answer to the governing-law column of the GPL (bench/review.py):
    every word stands in the licence, so the sentence check backs it, yet it names the
    document, not a law."""
    from hushdesk.assistant.review.grid import _names_itself

    gpl = (
        "Debian base-files: common licences\n"  # the bench's running header
        "GNU GENERAL PUBLIC LICENSE\n   Version 3, 29 June 2007\n\n"
        " Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>\n"
    )
    law = "Which law or jurisdiction governs this licence?"
    assert _names_itself("The GNU General Public License governs this licence [1].", law, gpl)
    assert not _names_itself("The laws of California govern it [2].", law, gpl)
    publisher = "Who publishes this licence (the organisation that wrote it)?"
    assert not _names_itself("The Free Software Foundation [1].", publisher, gpl)
    name = "What is the name and version of this licence?"
    assert not _names_itself("GNU General Public License, version 3", name, gpl)
    lease = "RESIDENTIAL LEASE AGREEMENT\nThis agreement is made on 1 March 2024 between Ada Moss"
    assert _names_itself("The Residential Lease Agreement.", "Which law governs it?", lease)
    assert not _names_itself("Ada Moss", "Who is the landlord?", lease)  # past the title
