"""A document's outline and back matter, on real manuals no one here wrote (the GNU grep,
sed and gzip manuals that Debian installs) and on the shapes that fooled it: a sample
script's comments, an appended licence numbered anew, a table of contents."""

from __future__ import annotations

import itertools

import pytest

from hushdesk.assistant.summarize import (
    MemorySteps,
    Options,
    Page,
    Source,
    Summarizer,
    main_headings,
    outline,
)
from hushdesk.assistant.summarize.plan import back_matter, without_back_matter
from hushdesk.engine.types import LoadSpec
from tests.documents import real_manual
from tests.fakes import FakeEngine

LINES_PER_PAGE = 55


def manual(name: str) -> tuple[Page, ...]:
    lines = real_manual(name).splitlines()
    return tuple(
        Page(n, "\n".join(lines[start : start + LINES_PER_PAGE]))
        for n, start in enumerate(range(0, len(lines), LINES_PER_PAGE), start=1)
    )


def mains(pages: tuple[Page, ...]) -> list[str]:
    return [h.text for h in main_headings(outline(pages))]


@pytest.mark.parametrize(
    ("name", "expected", "back"),
    [
        (
            "grep",
            ["1. Introduction", "2. Invoking 'grep'", "3. Regular Expressions", "4. Usage",
             "5. Performance", "6. Reporting bugs", "7. Copying"],
            "7. Copying",
        ),
        (
            "sed",
            ["1. Introduction", "2. Running sed", "3. 'sed' scripts",
             "4. Addresses: selecting lines", "5. Regular Expressions: selecting text",
             "6. Advanced 'sed': cycles and buffers", "7. Some Sample Scripts",
             "8. GNU 'sed''s Limitations and Non-limitations",
             "9. Other Resources for Learning About 'sed'", "10. Reporting Bugs",
             "Appendix A GNU Free Documentation License"],
            "Appendix A GNU Free Documentation License",
        ),
        (
            "gzip",
            ["1. Overview", "2. Sample output", "3. Invoking 'gzip'", "4. Advanced usage",
             "5. Environment", "6. Using 'gzip' on tapes", "7. Reporting Bugs",
             "Appendix A GNU Free Documentation License", "Appendix B Concept index"],
            "Appendix A GNU Free Documentation License",
        ),
    ],
)  # fmt: skip
def test_a_real_manuals_outline_is_its_chapters_and_its_licence_is_back_matter(
    name: str, expected: list[str], back: str
) -> None:
    pages = manual(name)
    # not "# Put 80 spaces in the buffer" (a sed script's comment), nor the GFDL's
    # "8. TRANSLATION", which follows grep's "7. Copying" in number
    assert mains(pages) == expected
    start = back_matter(outline(pages), pages)
    assert start is not None
    assert start.text == back
    body = without_back_matter(pages, outline(pages))
    assert body.pages[-1].number < pages[-1].number
    # the page where the back matter begins keeps only what stands above its heading
    assert "GNU Free Documentation License" not in " ".join(p.text for p in body.pages[1:])
    assert body.note(lambda a, b: f"pp. {a}–{b}").endswith(f"({back}) left out as back matter")


def test_a_table_of_contents_is_passed_over_for_the_headings_it_lists() -> None:
    contents = "Contents\n1. Scope\n2. Fees\n3. Term"
    parts = ["1. Scope", "2. Fees", "3. Term"]
    pages = (
        Page(1, contents),
        *(Page(n, f"{title}\nThe parties agree.") for n, title in enumerate(parts, start=2)),
    )
    assert [(h.text, h.page) for h in outline(pages)] == [
        ("1. Scope", 2),
        ("2. Fees", 3),
        ("3. Term", 4),
    ]


def test_a_numbered_list_of_titles_inside_a_chapter_does_not_take_its_place() -> None:
    """grep's FAQ ("1. How can I list just the names…?" … "5. How do I output
    context…?") sits in chapter 4: chapter 5 is "Performance", further on."""
    items = "\n".join(f"{n}. How do I do thing {n}?" for n in range(1, 6))
    pages = (
        Page(1, "1. Introduction\nText."),
        Page(2, "2. Usage\nText."),
        Page(3, "3. Examples\nText.\n" + items),
        Page(4, "4. Performance\nText."),
    )
    assert mains(pages) == ["1. Introduction", "2. Usage", "3. Examples", "4. Performance"]


def test_markdown_headings_stay_beside_a_short_titled_list() -> None:
    pages = (
        Page(1, "# Scope\nWhat we do.\n1. Cleaning\n2. Repairs\n3. Gardening"),
        Page(2, "# Fees\nWhat it costs."),
        Page(3, "# Term\nHow long it lasts."),
    )
    assert {"Scope", "Fees", "Term"} <= {h.text for h in outline(pages)}


def test_a_licence_section_of_a_contract_is_no_back_matter() -> None:
    titles = ["1. Scope", "2. Fees", "3. Software License", "4. Term"]
    pages = tuple(Page(n, f"{t}\nThe parties agree.") for n, t in enumerate(titles, start=1))
    assert back_matter(outline(pages), pages) is None
    pages = (*pages, Page(5, "5. Index\nfees, 2"))
    assert back_matter(outline(pages), pages) is not None  # an index at the end is


def test_a_long_documents_key_points_are_written_chapter_by_chapter_without_its_licence() -> None:
    """Each chapter's notes are combined on their own (a small model merging a whole
    manual's notes copies its first pages, or lists the headings), and the licence the
    manual ends with is left out."""
    filler = "The committee reviewed the cleaning rota. The council noted the order of paper. " * 5
    titles = {1: "1. Scope", 5: "2. Payment terms", 9: "3. Termination", 13: "4. Copying"}
    facts = {3: "Orion pays 400 euros.", 7: "Vega signs on 3 May.", 11: "Lyra ends it in June."}
    pages = tuple(
        Page(n, f"{titles.get(n, '')}\n{filler} {facts.get(n, '')}".strip()) for n in range(1, 17)
    )
    fake = FakeEngine(respond=lambda m: "- " + m[-1].content.split("\n")[1].lstrip("- "))
    fake.load(LoadSpec("fake.gguf", n_ctx=900))
    summary = Summarizer(fake, MemorySteps(), model_key="m", max_section_tokens=400).run(
        Source("manual.pdf", pages), Options(mode="key-points")
    )
    assert summary.stats.chapters == 3
    assert summary.stats.left_out == "pp. 13–16 (4. Copying) left out as back matter"
    asked = [r[-1].content for r in fake.requests if "one chapter of a document" in r[-1].content]
    assert len(asked) == 3
    assert "The document's headings there: 2. Payment terms." in asked[1]
    assert all(s.last <= 12 for s in summary.statements)
    assert {s.first for s in summary.statements} & {1, 2, 3, 4}  # every chapter has its say
    assert {s.first for s in summary.statements} & {5, 6, 7, 8}
    assert {s.first for s in summary.statements} & {9, 10, 11, 12}


def test_many_chapters_are_taken_together_and_points_follow_the_sections() -> None:
    """The maintainers' guide has 22 chapters: merged at once, the model kept the first
    pages; taken together into runs of about as many pages, each run has its say. A
    chapter of many sections gets more points than a one-page preface."""
    from hushdesk.assistant.summarize.plan import Heading, chapters, shares

    mains = [Heading(f"{n}. Chapter {n}", 2 * n, 1) for n in range(1, 23)]  # pp. 2, 4 … 44
    each = [(1, 3), *((p, p + 1) for p in range(4, 19, 2)), (20, 45)]
    assert chapters(1, 45, 5, mains[:10]) == each
    runs = chapters(1, 45, 5, mains)
    assert len(runs) == 5
    assert (runs[0][0], runs[-1][1]) == (1, 45)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(runs))  # every page, once
    assert all(6 <= last - first + 1 <= 12 for first, last in runs)
    sections = [Heading(f"3.{n}. Section", 20 + n, 2, (3, n)) for n in range(1, 14)]
    points = shares([(1, 19), (20, 40)], [mains[0], mains[2], *sections], 8)
    assert points[1] > points[0] >= 1
    assert chapters(1, 45, 5, mains[:2]) == []  # two chapters are no outline to follow


def test_commands_scripts_and_tables_of_literals_are_no_key_points() -> None:
    from hushdesk.assistant.sentence_kinds import looks_like_apparatus

    for apparatus in (  # picked before from the real sed and grep manuals
        "The following command replaces 'hello' with 'world' only on lines _not_ containing "
        "the string 'apple': sed '/apple/!s/hello/world/' input.txt > output",
        ": h; s/hhhhhhhhhh//g : done $! { h b } # On the last line, convert back to decimal",
        "In other character sets, these are the equivalent characters, if any. '[:digit:]' "
        "Digits: '0 1 2 3 4 5 6 7 8 9'. '[:graph:]' Graphical characters: '[:alnum:]'",
    ):
        assert looks_like_apparatus(apparatus), apparatus
    for prose in (
        "'GREP_COLORS' This variable controls how the '--color' option highlights output.",
        "sed is a stream editor: it performs basic text transformations on an input stream.",
        "Permission is granted to copy, distribute and/or modify this document.",
    ):
        assert not looks_like_apparatus(prose), prose


def test_a_chapters_many_points_are_cut_to_the_most_telling_in_their_order() -> None:
    from hushdesk.assistant.evidence import Idf
    from hushdesk.assistant.summarize import Statement
    from hushdesk.assistant.summarize.holding import most_telling_of

    pages = ["Regular expressions match text. Bracket expressions match one character.", "x"]
    found = [
        Statement("Regular expressions match text in lines.", 1, 1),
        Statement("Regular expressions match text in files.", 1, 1),
        Statement("Bracket expressions such as [0-9] match one character.", 1, 1),
    ]
    before = [Statement("Regular expressions match text in lines.", 1, 1)]
    kept = most_telling_of(found, before, Idf(pages), 1)
    assert [s.text for s in kept] == ["Bracket expressions such as [0-9] match one character."]
    assert len(most_telling_of(found, [], Idf(pages), 2)) == 2


def test_a_long_chapters_points_reach_past_its_first_pages() -> None:
    """A chapter's last run of notes (the Coding Standards' portability, pages 52-58)
    with none of the model's points (written from pages 45 and 50) gets its stand-in."""
    from hushdesk.assistant.evidence import Idf
    from hushdesk.assistant.summarize import Statement
    from hushdesk.assistant.summarize.holding import runs_of, says_something, spread_over

    notes = [
        Statement("Keep the length of source lines to 79 characters or less.", 45, 45),
        Statement("Put the open-brace that starts the body of a C function in column one.", 45, 45),
        Statement("Explicitly declare the types of all objects.", 49, 49),
        Statement("Declare local variables with meaningful names.", 50, 50),
        Statement("Do not shadow global identifiers in a function.", 50, 50),
        Statement(": h; s/hhhhhhhhhh//g : done $! { h b } # On the last line", 51, 51),
        Statement("Avoid casting pointers to integers: such casts reduce portability.", 55, 55),
        Statement("Gnulib removes much of the burden of writing portable C code.", 56, 56),
        Statement("Use gettext so that messages can be translated into other languages.", 56, 56),
    ]
    idf = Idf([n.text for n in notes])
    runs = runs_of(notes, 3, idf, None)
    assert [(r.first, r.last) for r in runs] == [(45, 49), (50, 51), (55, 56)]
    assert all(r.stand_in.first >= r.first for r in runs)
    assert not any("hhh" in r.stand_in.text for r in runs)  # a code sample is no stand-in
    assert not says_something("becomes 'a{3,}' when using extended regular expressions.")
    assert says_something("'gzip' reduces the size of the named files using Lempel-Ziv coding.")

    points = [notes[0], notes[1], notes[3]]  # what the model wrote: pages 45, 45, 50
    spread = spread_over(points, runs, idf, 3)
    assert len(spread) == 3
    assert spread[-1] == runs[2].stand_in  # in place of one of page 45's two
    assert [p.first for p in spread][:2] == [45, 50]
    kept = next(p for p in points[:2] if p in spread)  # the more telling of page 45's two
    assert spread_over(points[:2], runs, idf, 3)[-1] == runs[2].stand_in  # room: added
    # a point copied from the text goes first, however telling ("79 characters")
    copied = spread_over(points, runs, idf, 3, copy=lambda p: p is kept)
    assert kept not in copied
    apart = [notes[0], notes[6]]
    assert spread_over(apart, runs, idf, 2) == apart  # full, and no run drawn on twice
    assert runs_of(notes[:2], 3, idf, None) == []  # fewer notes than runs
