"""The summarizer on a stand-in model: planning, prompts, checking, resume, storage, export."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from hushdesk.assistant import evidence, word
from hushdesk.assistant.dates import find_date
from hushdesk.assistant.summarize import (
    MemorySteps,
    Options,
    Page,
    Source,
    Statement,
    Stats,
    Summarizer,
    Summary,
    heading_of,
    lengths,
    main_headings,
    modes,
    outline,
    plan,
)
from hushdesk.assistant.summarize import options as summarize_options
from hushdesk.assistant.summarize import output as summarize_output
from hushdesk.assistant.summarize import summarizer as summarize_run
from hushdesk.assistant.summarize.export import export
from hushdesk.assistant.summarize.sources import from_text as source_from_text
from hushdesk.assistant.summarize.store import SummaryStore
from hushdesk.engine.types import LoadSpec, Message
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken
from hushdesk.library.text import guess_language
from tests.documents import CASE_FACTS
from tests.fakes import FakeEngine
from tests.keys import TEST_KEY

FILLER = [
    "The committee reviewed the cleaning rota.",
    "The tenant discussed routine staffing matters.",
    "The council noted the order of printer paper.",
    "The review board examined the heating of the meeting rooms.",
]


def case_pages(count: int = 40) -> tuple[Page, ...]:
    pages = []
    for n in range(1, count + 1):
        body = " ".join(FILLER[(n + i) % len(FILLER)] for i in range(6))
        if n in CASE_FACTS:
            body += " " + CASE_FACTS[n]
        pages.append(Page(n, f"Minutes, meeting {n}\n{body}"))
    return tuple(pages)


def first_sentences(messages: list[Message]) -> str:
    """A stand-in model that "summarizes" by copying the first sentences of its input."""
    text = messages[-1].content.split(":\n", 1)[1].rsplit("\n\n", 1)[0]
    sentences = [s for s in evidence.split_sentences(text) if s.endswith(".")]
    return "\n".join(f"- {s}" for s in sentences[:2])


def engine(
    n_ctx: int = 900, respond: Callable[[list[Message]], str] = first_sentences
) -> FakeEngine:
    fake = FakeEngine(respond=respond)
    fake.load(LoadSpec("fake.gguf", n_ctx=n_ctx))
    return fake


def restating(fake: FakeEngine) -> int:
    """How many of the stand-in model's calls asked it to say a copied point again."""
    return sum("Rewrite this point" in request[-1].content for request in fake.requests)


def test_every_mode_renders_for_every_step_and_length() -> None:
    source = Source("a.txt", (Page(1, "Some text."),))
    assert {"brief", "detailed", "key-points", "action-items", "chronology", "custom"} <= set(
        modes()
    )
    for mode in modes():
        for length in lengths():
            options = Options(mode=mode, length=length, instruction="List the parties.")
            summarizer = Summarizer(engine(), MemorySteps(), model_key="m")
            job = summarize_run._Job(
                summarizer, source, options, progress=None, cancel=CancelToken(), on_text=None
            )
            for step in ("map", "reduce", "single"):
                system, user = job.messages(step, "pages 1–3", "THE TEXT")
                assert system.role == "system"
                assert "faithfully" in system.content
                assert "THE TEXT" in user.content
                assert "pages 1–3" in user.content
                fields = [f for _, f, _, _ in string.Formatter().parse(user.content) if f]
                assert fields == [], f"{mode}/{step}: unfilled {fields}"
                if mode == "custom":
                    assert "List the parties." in user.content


def test_options_are_checked() -> None:
    with pytest.raises(HushdeskError, match="instruction"):
        Options(mode="custom").check()
    with pytest.raises(HushdeskError, match="Unknown summary mode"):
        Options(mode="poem").check()


def test_plan_packs_pages_breaks_before_headings_and_splits_giant_pages() -> None:
    pages = [
        Page(1, "Intro text."),
        Page(2, "More text."),
        Page(3, "ARTICLE 2\nTerms."),
        Page(4, "Tail."),
        Page(5, "x " * 600),
    ]
    sections = plan(pages, [30, 30, 30, 30, 600], budget=100)
    assert [(s.first, s.last) for s in sections][:2] == [(1, 2), (3, 4)]  # heading starts one
    assert all(s.tokens <= 100 for s in sections)
    assert {s.first for s in sections[2:]} == {5}  # the giant page's pieces keep its number
    assert "".join(p.text for s in sections[2:] for p in s.pages).split() == ["x"] * 600
    assert heading_of("3.2 Payment terms\nThe buyer pays.") == "3.2 Payment terms"
    assert heading_of("The buyer pays on time.") == ""


CONSTITUTION = [  # as the Debian Constitution prints: numbered lists inside numbered sections
    "1. Introduction\nThe Debian Project is an association of individuals.",
    "2. Decision-making bodies and individuals\nEach decision is made by one of these:\n"
    "1. The Developers, by way of General Resolution or an election;\n2. The Project Leader;",
    "2.1. General rules\n1. Nothing in this constitution imposes an obligation on anyone.\n"
    "3. Individual Developers\n3.1. Powers\nAn individual Developer may\n"
    "1. make any technical or nontechnical decision with regard to their\nown work;",
    "5. If the Project Leader (or the Delegate) withdraws the original\nproposal, it lapses.\n"
    "4. The Developers by way of General Resolution or election\n4.1. Powers",
    "5. Offer advice.\n5. Project Leader\n5.1. Powers\n1. Appoint Delegates.",
]
LICENCE = [  # as the Apache License prints: a heading run into its first sentence
    'TERMS AND CONDITIONS\n1. Definitions.\n"License" shall mean the terms.',
    "2. Grant of Copyright License. Subject to the terms and conditions of\nthis License, you",
    "3. Grant of Patent License. Subject to the terms and conditions of\nthis License, each",
    "60 days after the cessation.\n4. Redistribution. You may reproduce and distribute",
]


def test_the_outline_is_the_documents_headings_not_its_numbered_lists() -> None:
    pages = [Page(n, text) for n, text in enumerate(CONSTITUTION, start=1)]
    assert [h.text for h in main_headings(outline(pages))] == [
        "1. Introduction",
        "2. Decision-making bodies and individuals",
        "3. Individual Developers",
        "4. The Developers by way of General Resolution or election",
        "5. Project Leader",
    ]
    assert [h.text for h in outline(pages) if h.level == 2] == [
        "2.1. General rules",
        "3.1. Powers",
        "4.1. Powers",
        "5.1. Powers",
    ]
    pages = [Page(n, text) for n, text in enumerate(LICENCE, start=1)]
    assert [(h.text, h.page) for h in outline(pages)] == [
        ("1. Definitions", 1),
        ("2. Grant of Copyright License", 2),
        ("3. Grant of Patent License", 3),
        ("4. Redistribution", 4),
    ]
    assert [h.text for h in outline([Page(1, "PREAMBLE\nText.\nVERBATIM COPYING\nMore.")])] == [
        "PREAMBLE",
        "VERBATIM COPYING",
    ]


def test_the_documents_headings_guide_the_parts_and_the_prompts() -> None:
    filler = " ".join(FILLER)
    opens = {1: "1. Scope", 4: "2. Payment terms", 7: "3. Termination", 10: "4. Notices"}
    pages = [Page(n, f"{opens[n]}\n{filler}" if n in opens else filler) for n in range(1, 13)]
    fake = engine()
    summary = Summarizer(fake, MemorySteps(), model_key="m", max_section_tokens=400).run(
        Source("s.txt", tuple(pages)), Options(mode="detailed")
    )
    assert not summary.stats.single_pass
    maps = [r[-1].content for r in fake.requests if "pages 1" in r[-1].content.split("\n")[0]]
    assert "The document's headings there: 1. Scope" in maps[0]
    final = fake.requests[-1][-1].content
    assert "The document's headings there: 1. Scope; 2. Payment terms; 3. Termination" in final
    assert "1. Scope" in {s.heading for s in summary.statements}  # the part it sits under


def test_a_short_document_takes_the_single_pass() -> None:
    fake = engine(n_ctx=4096)
    result = Summarizer(fake, MemorySteps(), model_key="m").run(
        Source("s.txt", case_pages(3)), Options(mode="key-points")
    )
    assert result.stats.single_pass
    assert result.stats.model_calls == 1 + restating(fake)  # copied points said again
    assert "most important points of this document" in fake.requests[0][-1].content
    assert any("Orion" in s.text and s.first == s.last == 3 for s in result.statements)


def test_a_long_document_is_mapped_reduced_and_covered_with_pages() -> None:
    fake = engine()
    result = Summarizer(fake, MemorySteps(), model_key="m").run(
        Source("case.pdf", case_pages()), Options(mode="brief", length="short")
    )
    stats = result.stats
    assert not stats.single_pass
    assert stats.sections > 3
    assert stats.model_calls == stats.sections + stats.levels  # map, then reduce rounds
    text = result.markdown()
    for page, fact in CASE_FACTS.items():
        if page <= 40:  # every fact of the document is kept, at its page
            assert f"{fact} (p. {page})" in text
    assert all(1 <= s.first <= s.last <= 40 for s in result.statements)


def test_unsupported_and_repeated_statements_are_dropped() -> None:
    units = [evidence.Unit(CASE_FACTS[3], 3, 3), evidence.Unit(" ".join(FILLER), 4, 4)]
    source = evidence.Evidence(units)
    supported = source.support("Alice Marlow signed the Orion contract on 3 March 2021.")
    assert supported is not None
    assert supported.score > 0.8
    assert supported.first == 3
    mixed = source.support("The council noted the printer paper on 3 March 2021.")
    assert mixed is None or mixed.score < evidence.SUPPORT_THRESHOLD  # a real date, wrong event
    invented = source.support("The moon landing happened in Paris yesterday.")
    assert invented is None or invented.score < evidence.SUPPORT_THRESHOLD
    assert evidence.same(
        "The council noted the printer paper.", "The council noted the printer paper order."
    )


def test_a_points_bold_label_needs_no_support_but_its_claim_does() -> None:
    """The 1.5B model opens points with the section's title in bold ("**File
    Permissions**: Ensure all files…"); its capitals were taken for facts to find, and 25
    of the Coding Standards' good points were dropped."""
    from hushdesk.assistant.summarize.holding import held

    page = (
        "7.3 Making Releases\nMake sure that all the files in the distribution are "
        "world-readable, and that directories are world-readable and searchable (octal "
        "mode 755). We used to recommend that all directories in the distribution also "
        "be world-writable (octal mode 777)."
    )
    source = evidence.Evidence([evidence.Unit(page, 96, 96)])
    output = (
        "- **Making Releases**: Ensure all files are world-readable and directories are "
        "world-readable and searchable (755).\n"
        "- **Making Releases**: Directories must be world-writable (mode 700)."
    )
    kept, dropped = held(output, source, "list")
    assert [s.text[:19] for s in kept] == ["**Making Releases**"]
    assert kept[0].first == 96
    assert dropped == 1  # the label does not carry an invented mode
    # a label its claim's page does not bear is left out: it would say where it is from
    kept, _ = held("- **Recruiting Developers**: Make sure that all the files in the "
                   "distribution are world-readable.", source, "list")  # fmt: skip
    assert [s.text for s in kept] == [
        "Make sure that all the files in the distribution are world-readable."
    ]


def test_a_line_that_states_nothing_is_no_unsupported_statement() -> None:
    """The 1.5B model wrote lines like "GNU Radius" and "4." in Coding Standards steps:
    counted as unsupported statements, they made the model look worse than it wrote."""
    from hushdesk.assistant.summarize.holding import held

    page = "The Project Secretary takes votes amongst the Developers."
    source = evidence.Evidence([evidence.Unit(page, 8, 8)])
    output = (
        "- 4.\n- GNU Radius\n"
        "- Project Secretary\n- The Project Secretary takes votes amongst the Developers.\n"
        "- The Project Secretary appoints the Technical Committee every year."
    )
    kept, dropped = held(output, source, "list")
    assert [k.text for k in kept] == [page]
    assert dropped == 1  # the invented statement alone


def test_the_documents_own_name_needs_no_support() -> None:
    """The 1.5B model's "The Apache License does not grant permission…" is what the
    licence's section 6 says of "This License": the name is the file's, no claim."""
    from hushdesk.assistant.summarize.holding import held, name_words

    page = (
        "6. Trademarks. This License does not grant permission to use the trade names, "
        "trademarks, service marks, or product names of the Licensor, except as required "
        "for reasonable and customary use in describing the origin of the Work."
    )
    source = evidence.Evidence([evidence.Unit(page, 4, 4)])
    output = (
        "- The Apache License does not grant permission to use the trade names, trademarks, "
        "service marks, or product names of the Licensor.\n"
        "- The Apache License grants trademark rights for 2 years."
    )
    named = name_words("Apache-2.0.pdf")
    assert named == {"apach"}  # not the version's numbers
    assert held(output, source, "list")[1] == 2
    kept, dropped = held(output, source, "list", named=named)
    assert [k.text[:28] for k in kept] == ["The Apache License does not "]
    assert dropped == 1


def test_model_output_is_cut_into_statements() -> None:
    out = summarize_output.statements_in(
        "### Terms\n- First point (p. 3).\n- None\n1. Second point [pp. 4-5]\nAnd a stub that",
        "list",
    )
    assert out == [("Terms", True), ("First point.", False), ("Second point", False)]
    prose = summarize_output.statements_in(
        "One sentence here. Another one (p. 2). Cut off mid", "prose"
    )
    assert prose == [("One sentence here.", False), ("Another one.", False)]


def test_chronology_is_in_date_order() -> None:
    pages = (
        Page(
            1,
            "The appeal was filed on 2 May 2023. The contract was signed on "
            "3 March 2021. Payment is due on 2021-04-01.",
        ),
    )

    def reversed_events(messages: list[Message]) -> str:
        return "- 2 May 2023: the appeal was filed.\n- 3 March 2021: the contract was signed."

    result = Summarizer(engine(4096, reversed_events), MemorySteps(), model_key="m").run(
        Source("c.txt", pages), Options(mode="chronology")
    )
    dates = [find_date(s.text) for s in result.statements]
    assert dates == sorted(d for d in dates if d)
    assert len(dates) == 3


def test_dates_are_read_in_common_forms() -> None:
    assert str(find_date("on 3 March 2021")) == "2021-03-03"
    assert str(find_date("on March 3rd, 2021")) == "2021-03-03"
    assert str(find_date("by 2025-12-01")) == "2025-12-01"
    assert str(find_date("in October 2022")) == "2022-10-01"
    assert find_date("page 12 of 40, item 3") is None


def test_cancel_then_resume_reuses_finished_steps_and_a_new_reduce_keeps_the_map() -> None:
    steps = MemorySteps()
    cancel = CancelToken()
    calls = []

    def cancelling(messages: list[Message]) -> str:
        calls.append(messages)
        if len(calls) == 3:
            cancel.cancel()
        return first_sentences(messages)

    source, options = Source("case.pdf", case_pages()), Options(mode="key-points")
    with pytest.raises(Cancelled):
        Summarizer(engine(respond=cancelling), steps, model_key="m").run(
            source, options, cancel=cancel
        )
    assert len(steps.steps) == 2  # the third step was cancelled: not kept
    fake = engine()
    resumed = Summarizer(fake, steps, model_key="m").run(source, options)
    assert resumed.stats.reused_steps == 2
    steps_run = resumed.stats.sections - 2 + resumed.stats.levels
    assert resumed.stats.model_calls == steps_run + restating(fake)

    new_reduce = replace(modes()["key-points"], reduce="Merge differently: {items} points.")
    all_modes = dict(modes())
    all_modes["key-points"] = new_reduce
    summarize_options.modes.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(summarize_run, "modes", lambda: all_modes)
            fake = engine()
            again = Summarizer(fake, steps, model_key="m").run(source, options)
    finally:
        summarize_options.modes.cache_clear()
    # only the reduce ran (and the saying again of points it copied, not said before)
    assert again.stats.model_calls == again.stats.levels + restating(fake)
    assert again.stats.reused_steps >= again.stats.sections


def test_progress_reports_stages_with_eta() -> None:
    seen = []
    Summarizer(engine(), MemorySteps(), model_key="m").run(
        Source("case.pdf", case_pages()), Options(), progress=seen.append
    )
    labels = [p.label for p in seen]
    assert any(label.startswith("Summarizing part") for label in labels)
    assert any(p.eta_s is not None for p in seen if p.label.startswith("Summarizing part"))


def test_nothing_readable_is_a_clear_error() -> None:
    with pytest.raises(HushdeskError, match="no readable text"):
        Summarizer(engine(), MemorySteps(), model_key="m").run(
            Source("scan.pdf", (Page(1, "  "),)), Options()
        )


def test_language_is_guessed_from_common_words() -> None:
    assert (
        guess_language(
            "Der Vertrag ist nicht gültig, und die Parteien haben sich auf "
            "eine neue Frist für den Kauf geeinigt, die mit dem Gericht "
            "abgestimmt ist und auch für die Zahlung gilt."
        )
        == "German"
    )
    assert guess_language(" ".join(FILLER * 3)) == "English"
    assert guess_language("12 34 56") is None


def test_store_keeps_summaries_with_their_source_and_exports(tmp_path: Path) -> None:
    import docx

    store = SummaryStore(TEST_KEY, tmp_path / "s.sqlite")
    source = Source("case.pdf", case_pages(), path="/docs/case.pdf")
    first = store.start(source, Options(mode="key-points"), "Fake")
    result = Summarizer(engine(), store, model_key="m").run(source, Options(mode="key-points"))
    store.finish(first, "done", summary=result)
    second = store.start(source, Options(mode="brief"), "Fake")
    assert [s.id for s in store.find(path="/docs/case.pdf")] == [second, first]
    assert [s.status for s in store.interrupted()] == ["cancelled"]  # the unfinished one
    saved = store.get(first)
    assert saved is not None
    assert saved.summary is not None
    assert saved.summary.statements == result.statements
    assert store.page_text(source.key, 31) == source.pages[30].text

    md = export(saved, tmp_path / "s.md").read_text(encoding="utf-8")
    assert md.startswith("# Summary of case.pdf")
    assert "(p. 31)" in md
    word_file = docx.Document(str(export(saved, tmp_path / "s.docx")))
    paragraphs = [p.text for p in word_file.paragraphs]
    assert paragraphs[0] == "Summary of case.pdf"
    assert any("Tromsø" in p for p in paragraphs)
    assert "case.pdf, p. 31" in word.footnotes(word_file)  # the citations are footnotes
    unfinished = store.get(second)
    assert unfinished is not None
    with pytest.raises(HushdeskError, match="not finished"):
        export(unfinished, tmp_path / "x.md")

    assert store.step_count(source.key, "map") > 0
    store.delete(second)
    store.delete(first)
    assert store.source(source.key) is None
    assert store.step_count(source.key) == 0


def test_pasted_text_becomes_numbered_sections() -> None:
    source = source_from_text("First paragraph.\n\n" + "Second paragraph. " * 400)
    assert not source.paginated
    assert len(source.pages) > 1
    assert source.where(2, 3) == "§§ 2–3"
    with pytest.raises(HushdeskError):
        source_from_text("   ")


def test_links_in_markdown_point_at_pages() -> None:
    result = Summarizer(engine(4096), MemorySteps(), model_key="m").run(
        Source("s.pdf", case_pages(3)), Options(mode="key-points")
    )
    match = re.search(r"\[p\. 3\]\(ref:(\d+)\)", result.markdown(links=True))
    assert match is not None
    assert result.statements[int(match.group(1))].quote == CASE_FACTS[3]


def test_a_summary_says_when_its_model_was_too_small() -> None:
    written = [Statement("The board approved the budget.", 1, 1)]
    taken = [Statement(f"Sentence {n} of the minutes.", 2, 2, kept=True) for n in range(3)]
    honest = Summary(Options(mode="brief"), written * 3, True, stats=Stats(dropped=1))
    assert not honest.model_struggled
    collage = Summary(Options(mode="brief"), written + taken, True, stats=Stats(kept_facts=3))
    assert collage.model_struggled  # mostly sentences taken from the text
    inventive = Summary(Options(mode="brief"), written, True, stats=Stats(dropped=28))
    assert inventive.model_struggled  # most of what it wrote was not in the document
    # a long document: 45 statements dropped over 37 steps, 169 held; 16 in the end
    long = Summary(Options(mode="brief"), written * 16, True, stats=Stats(dropped=45, held=169))
    assert not long.model_struggled
    assert Summary(
        Options(mode="brief"), written, True, stats=Stats(dropped=9, held=8)
    ).model_struggled


def test_a_recordings_summary_cites_times_and_keeps_them_when_stored(tmp_path: Path) -> None:
    """A recording's sections are its spoken segments, labelled with their times: a
    statement cites the time its words were said, across sections a range of times,
    and the labels survive the store (a resumed summary, a saved one)."""
    labels = ("at 0:00–0:04", "at 0:04–0:09", "at 12:31–12:48")
    pages = tuple(
        replace(page, label=label) for page, label in zip(case_pages(3), labels, strict=True)
    )
    source = Source("meeting.m4a", pages, paginated=False)
    assert source.where(1, 1) == "at 0:00–0:04"
    assert source.where(2, 3) == "at 0:04–12:48"
    store = SummaryStore(TEST_KEY, tmp_path / "s.sqlite")
    first = store.start(source, Options(mode="minutes"), "Fake")
    result = Summarizer(engine(4096), store, model_key="m").run(source, Options(mode="minutes"))
    store.finish(first, "done", summary=result)
    shown = result.markdown()
    assert re.search(r"\(at \d+:\d\d–\d+:\d\d\)", shown), shown  # a time, not "§ 1"
    assert "§" not in shown
    saved = store.get(first)
    assert saved is not None
    assert saved.summary is not None
    assert saved.summary.markdown() == result.markdown()
    kept = store.source(source.key)
    assert kept is not None
    assert [p.label for p in kept.pages] == list(labels)
    assert "### Decisions" in modes()["minutes"].single
    assert "### Plan" in modes()["clinical-note"].single
