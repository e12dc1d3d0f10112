"""Comparing two versions of a document: a real licence and an edited copy with known
edits, printed again with another layout — every edit found, nothing else; Word and
text files too; the redline's tracked changes; the summary held to the changes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.assistant.compare import Change, compare
from hushdesk.assistant.compare.summary import hold, said
from hushdesk.assistant.summarize.sources import from_file, from_text
from hushdesk.engine.types import Message
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken, Progress
from tests.documents import edited, pdf, planted, printed_pdf, real_text, reflowed
from tests.fakes import FakeEngine

# (old wording, new wording, kind): a number, a word, a sentence added, a clause
# removed, a clause reworded.
EDITS = [
    (
        "ownership of fifty percent (50%) or more",
        "ownership of forty percent (40%) or more",
        "changed",
    ),
    ("reasonable and customary use", "reasonable and ordinary use", "changed"),
    (
        "with Licensor regarding such Contributions.",
        "with Licensor regarding such Contributions. Any such Contribution shall be "
        "governed by the laws of the State of Delaware.",
        "added",
    ),
    (
        "(b) You must cause any modified files to carry prominent notices stating that "
        "You changed the files; and",
        "",
        "removed",
    ),
    (
        "You are solely responsible for determining the appropriateness of using or "
        "redistributing the Work and assume any risks associated with Your exercise of "
        "permissions under this License.",
        "You alone must decide whether it is appropriate to use or redistribute the Work, "
        "and You bear all risks arising from exercising the permissions granted under "
        "this License.",
        "changed",
    ),
]


def matches(change: Change, old: str, new: str, kind: str) -> bool:
    return planted(change, old, new, kind)


def found_and_spurious(changes: Sequence[Change]) -> tuple[int, list[Change]]:
    hit = [any(matches(c, *edit) for c in changes) for edit in EDITS]
    spurious = [c for c in changes if not any(matches(c, *edit) for edit in EDITS)]
    return sum(hit), spurious


@pytest.fixture(scope="module")
def licence() -> str:
    return real_text("Apache-2.0")


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory, licence: str) -> tuple[Path, Path]:
    """The licence printed, and the edited copy printed with another wrap width, words
    hyphenated at line ends, another running header and other page numbers."""
    folder = tmp_path_factory.mktemp("compare")
    old = printed_pdf(folder / "old.pdf", "Apache License 2.0 - terms", licence)
    changed = reflowed(edited(licence, [(o, n) for o, n, _ in EDITS]), 62, hyphenate=3)
    new = printed_pdf(folder / "new.pdf", "APACHE v2 (edited)", changed, footer="- {n} -")
    return old, new


def test_every_planted_edit_is_found_and_formatting_is_no_change(
    versions: tuple[Path, Path],
) -> None:
    old, new = (from_file(p) for p in versions)
    assert [p.text for p in old.pages] != [p.text for p in new.pages]  # laid out anew
    result = compare(old, new)
    found, spurious = found_and_spurious(result.changes)
    assert found == len(EDITS)
    assert spurious == []
    numbers = next(c for c in result.changes if matches(c, *EDITS[0]))
    assert numbers.old is not None
    assert numbers.new is not None
    assert (numbers.old.page, numbers.new.page) == (1, 1)
    assert [w for w in numbers.words if w[0] != "equal"] == [
        ("delete", "fifty"),
        ("insert", "forty"),
        ("delete", "(50%)"),
        ("insert", "(40%)"),
    ]
    assert result.pages(numbers) == "old p. 1 / new p. 1"
    removed = next(c for c in result.changes if c.kind == "removed")
    assert removed.new is None
    assert removed.old is not None
    assert removed.old.page == 2


def test_the_same_text_laid_out_again_has_no_changes(
    tmp_path: Path, licence: str, versions: tuple[Path, Path]
) -> None:
    again = printed_pdf(
        tmp_path / "again.pdf", "Licence (copy)", reflowed(licence, 55, hyphenate=5), footer="{n}"
    )
    result = compare(from_file(versions[0]), from_file(again))
    assert result.changes == ()
    assert all(piece.change is None for piece in result.pieces)


def test_a_short_documents_header_and_page_numbers_are_no_change(tmp_path: Path) -> None:
    text = real_text("Apache-2.0")[:5000]  # two printed pages: too few for the reader
    plain = pdf(tmp_path / "plain.pdf", [text])
    printed = printed_pdf(tmp_path / "printed.pdf", "Apache License - draft", text)
    assert len(from_file(printed).pages) == 2
    assert compare(from_file(plain), from_file(printed)).changes == ()


def test_word_and_text_files(tmp_path: Path, licence: str) -> None:
    import docx

    def word(path: Path, text: str) -> Path:
        document = docx.Document()
        for paragraph in text.split("\n\n"):
            document.add_paragraph(" ".join(paragraph.split()))
        document.save(str(path))
        return path

    changed = edited(licence, [(o, n) for o, n, _ in EDITS])
    old_docx, new_docx = word(tmp_path / "old.docx", licence), word(tmp_path / "new.docx", changed)
    result = compare(from_file(old_docx), from_file(new_docx))
    assert found_and_spurious(result.changes) == (len(EDITS), [])
    assert result.pages(result.changes[0]).startswith("old § ")

    (tmp_path / "old.txt").write_text(licence, encoding="utf-8")
    (tmp_path / "new.txt").write_text(reflowed(changed, 70), encoding="utf-8")
    result = compare(from_file(tmp_path / "old.txt"), from_file(tmp_path / "new.txt"))
    assert found_and_spurious(result.changes) == (len(EDITS), [])


def test_a_moved_clause_is_moved_and_quotes_and_dashes_are_formatting() -> None:
    old = from_text(
        "1. Term. The term is one year. 2. Fees. The fee is “fixed” — 480 euros a month. "
        "3. Notice. Either party may end this agreement with thirty days' notice in writing."
        " 4. Law. The law of Ireland applies."
    )
    new = from_text(
        "1. Term. The term is one year. 3. Notice. Either party may end this agreement "
        'with thirty days\' notice in writing. 2. Fees. The fee is "fixed" - 480 euros a '
        "month. 4. Law. The law of Ireland applies."
    )
    result = compare(old, new)
    assert [c.kind for c in result.changes] == ["moved"]
    marked = [p for p in result.pieces if p.change == 0]
    assert [p.words[0][0] for p in marked] == ["insert"] * 2 + ["delete"] * 2  # both places
    moved = result.changes[0]
    assert moved.old is not None
    assert moved.old.text.startswith("3. Notice. Either party")


def test_the_redline_holds_tracked_changes(tmp_path: Path, versions: tuple[Path, Path]) -> None:
    import docx
    from docx.oxml.ns import qn

    app = App(engine=FakeEngine())
    try:
        result = app.compare.run(*versions, summary=False)
        path = app.compare.export(result, tmp_path / "redline.docx")
        with pytest.raises(HushdeskError, match=r"\.docx"):
            app.compare.export(result, tmp_path / "redline.pdf")
    finally:
        app.close()
    document = docx.Document(str(path))  # well formed: python-docx reads it back
    body = document.element.body
    inserted, deleted = body.findall(f".//{qn('w:ins')}"), body.findall(f".//{qn('w:del')}")
    assert inserted
    assert deleted
    assert {m.get(qn("w:author")) for m in inserted + deleted} == {"Hushdesk"}
    assert all(m.get(qn("w:date")) for m in inserted + deleted)
    removed = " ".join(t.text for t in body.iter(qn("w:delText")))
    assert "fifty" in removed
    assert "You must cause any modified files" in removed
    added = " ".join(t.text for m in inserted for t in m.iter(qn("w:t")))
    assert "forty" in added
    assert "State of Delaware" in added
    table = document.tables[0]
    assert len(table.rows) == len(result.changes) + 1
    assert [c.text for c in table.rows[1].cells[:3]] == ["1", "changed", "p. 1"]
    title = document.paragraphs[0].text
    assert "old.pdf" in title
    assert "new.pdf" in title


def test_statements_are_held_to_the_changes_they_cite(versions: tuple[Path, Path]) -> None:
    result = compare(*(from_file(p) for p in versions))
    n_numbers = next(i for i, c in enumerate(result.changes, 1) if matches(c, *EDITS[0]))
    n_law = next(i for i, c in enumerate(result.changes, 1) if c.kind == "added")
    output = "\n".join(
        [
            "- Control now needs forty percent (40%) ownership, not fifty percent (50%) in "
            f"[{n_numbers}].",
            f"- Contributions are now governed by the laws of the State of Delaware [{n_numbers}].",
            f"- The licence fee doubled to 900 euros [{n_law}].",
            f'- changed: old "ownership of fifty percent (50%)" new "forty percent" [{n_numbers}]',
            f"- The definition of control now speaks of the outstanding shares [{n_numbers}].",
            "Summary:",
        ]
    )
    kept, dropped = hold(output, result.changes)
    assert [s.changes for s in kept] == [(n_numbers,), (n_law,)]  # the second relinked
    assert kept[0].text.endswith("fifty percent (50%).")  # no "[1]", no "in" left hanging
    # no change says anything of a fee; the list copied is no summary; the shares are in
    # the changed clause, but unchanged: a statement must name what changed
    assert dropped == 3


def test_the_service_summarizes_reports_progress_and_cancels(
    versions: tuple[Path, Path],
) -> None:
    def respond(messages: list[Message]) -> str:
        listed = messages[-1].content
        number = next(line for line in listed.splitlines() if "fifty" in line)[1]
        return (
            f"- The ownership needed for control fell from fifty percent (50%) to forty "
            f"percent (40%) [{number}].\n- The moon is made of cheese [1]."
        )

    app = App(engine=FakeEngine(respond=respond))
    seen: list[Progress] = []
    try:
        result = app.compare.run(*versions, progress=seen.append)
        assert result.summary is not None
        statements = result.summary.statements
        assert statements[0].written
        assert "forty percent" in statements[0].text
        assert result.statement_pages(statements[0]) == "old p. 1 / new p. 1"
        assert result.summary.dropped == 1
        assert [s.written for s in statements[1:]] == [False] * (len(statements) - 1)
        assert len(statements) >= 3  # the most material changes the model left out
        assert {"Reading old.pdf", "Comparing", "Done"} <= {p.label for p in seen}
        assert seen[-1].fraction == 1.0
        data = result.to_dict()
        assert data["summary"][0]["changes"] == list(statements[0].changes)
        assert data["changes"][0]["old"]["page"] == 1

        quiet = app.compare.run(*versions, model="no-such-model")
        assert quiet.summary is None
        assert len(quiet.changes) == len(EDITS)
        assert any("No summary" in note for note in quiet.notes)

        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            app.compare.run(*versions, cancel=token)
    finally:
        app.close()


def test_a_statement_made_from_a_change_quotes_it() -> None:
    change = compare(
        from_text("The notice period is thirty (30) days."),
        from_text("The notice period is sixty (60) days."),
    ).changes[0]
    assert said(change) == "“period is thirty (30) days.” became “period is sixty (60) days.”"
