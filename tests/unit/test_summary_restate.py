"""Key points copied from the text said again shortly (summarize/restate.py), with the
clauses, headings and wordings the 1.5B benchmark model gave on the bench's licences."""

from __future__ import annotations

from hushdesk.assistant import evidence
from hushdesk.assistant.sentence_kinds import is_definition
from hushdesk.assistant.summarize import MemorySteps, Options, Page, Source, Summarizer
from hushdesk.assistant.summarize.plan import Heading
from hushdesk.assistant.summarize.restate import (
    copied,
    restated,
    says_the_same,
    to_restate,
    without_heading,
)
from hushdesk.assistant.summarize.results import Statement
from hushdesk.engine.types import LoadSpec, Message
from tests.fakes import FakeEngine

# The Debian Constitution, 5.1 (page 4 of the bench's copy)
LEADER = (
    "The Project Leader may appoint Delegates. The Leader may define an area of ongoing "
    "responsibility or a specific decision and hand it over to another Developer or to "
    "the Technical Committee."
)
HAND_OVER = (
    "They can define an area of ongoing responsibility or a specific decision and hand it "
    "over to another Developer or to the Technical Committee."
)
# The MPL 2.0, 3.2 (a clause the model copied with its heading)
EXECUTABLE = (
    "Distribution of Executable Form If You distribute Covered Software in Executable "
    "Form then: (a) such Covered Software must also be made available in Source Code "
    "Form, as described in Section 3.1, and You must inform recipients of the Executable "
    "Form how they can obtain a copy of such Source Code Form by reasonable means in a "
    "timely manner, at a charge no more than the cost of distribution to the recipient."
)


def page_evidence(text: str, number: int = 4) -> tuple[str, evidence.Evidence]:
    return text, evidence.Evidence([evidence.Unit(text, number, number)])


def test_a_copied_clause_is_told_from_the_models_own_words() -> None:
    assert copied(HAND_OVER, LEADER)
    assert not copied("The Leader hands decisions to the Technical Committee.", LEADER)
    assert to_restate(Statement(HAND_OVER, 4, 4), LEADER)
    assert not to_restate(Statement("The Leader may appoint Delegates.", 4, 4), LEADER)  # short
    kept = Statement("A fact the model left out, kept as the source has it word for word.", 4, 4,
                     kept=True)  # fmt: skip
    assert to_restate(kept, LEADER)
    # a definition's words are the point: "Covered Software" was said as an obligation
    definition = (
        '"Covered Software" means Source Code Form to which the initial Contributor has '
        "attached the notice in Exhibit A, the Executable Form of such Source Code Form."
    )
    assert not to_restate(Statement(definition, 1, 1, kept=True), definition)


def test_the_heading_a_clause_runs_into_is_left_out() -> None:
    headings = [
        Heading("2.4. Subsequent Licenses", 3, 2, (2, 4)),
        Heading("4. Inability to Comply Due to Statute or Regulation", 5, 1, (4,)),
    ]
    # read with its heading, "No Contributor makes additional grants" became "Additional
    # grants are made by Subsequent Licenses No Contributor"
    assert (
        without_heading("Subsequent Licenses No Contributor makes additional grants.", headings)
        == "No Contributor makes additional grants."
    )
    clause = "If it is impossible for You to comply with any of the terms of this License"
    ruled = f"Inability to Comply Due to Statute or Regulation ------- {clause}"
    assert without_heading(ruled, headings) == clause
    assert without_heading("Subsequent Licenses", headings) == "Subsequent Licenses"


def test_a_new_wording_keeps_the_facts_and_adds_none() -> None:
    assert says_the_same(
        "They can delegate ongoing responsibilities or specific decisions to another "
        "developer or technical committee.",
        HAND_OVER,
    )
    # "the Leader's discretion": the name is "leader", as the evidence check reads it
    assert says_the_same(
        "The Chair acts at the Secretary's and the Leader's request, in writing.",
        "The Chair may act only at the Secretary's or the Leader's request, made in writing.",
    )
    # "at a charge no more than the cost of distribution" is not "for free"
    assert not says_the_same(
        "If you distribute Covered Software in Executable Form, it must also be made "
        "available in Source Code Form and recipients should have access to the source "
        "code for free.",
        EXECUTABLE,
    )
    # the starter dropped the "not" of the Debian Constitution's 7.2
    secretary = (
        "If there is no Project Secretary or the current Secretary is unavailable and has "
        "not delegated authority for a decision then the decision may be made or delegated "
        "by the Chair of the Technical Committee, as Acting Secretary."
    )
    assert not says_the_same(
        "The current Chair of the Technical Committee is unavailable and has delegated "
        "authority to make a decision.",
        secretary,
    )
    grants = (
        "Each Contributor hereby grants You a world-wide, royalty-free, non-exclusive "
        "license: (a) under intellectual property rights (other than patent or trademark) "
        "Licensable by such Contributor to use, reproduce and distribute its Contributions, "
        "with Modifications, or as part of a Larger Work; and (b) under Patent Claims of "
        "such Contributor to make, use, sell and import its Contributions."
    )
    # the patent grant left out: shorter, and wrong
    assert not says_the_same(
        "Each contributor grants You a royalty-free, non-exclusive license to use, "
        "reproduce and distribute its contributions.",
        grants,
    )


def test_a_copied_point_is_said_again_where_its_page_holds_the_new_wording() -> None:
    text, source = page_evidence(LEADER)
    points = [Statement(HAND_OVER, 4, 4, quote=HAND_OVER), Statement("Votes are counted.", 2, 2)]
    answers = {
        "good": "- The Leader can hand a decision over to another Developer or the "
        "Technical Committee.",
        "invented": "- The Leader can hand a decision over to the Secretary within 60 days.",
        "copy": f"- {HAND_OVER}",
    }
    for answer, said in [("good", True), ("invented", False), ("copy", False)]:
        asked: list[str] = []

        def write(point: Statement, answer: str = answer, asked: list[str] = asked) -> str:
            asked.append(point.text)
            return answers[answer]

        out, count, copies = restated(
            points, text_on=lambda _f, _l: text, evidence_on=lambda _f, _l: source,
            write=write, style="list",
        )  # fmt: skip
        assert asked == [HAND_OVER]  # the short point is left as it is
        assert (count, copies) == (int(said), 1)
        assert out[1] == points[1]
        if said:
            assert out[0].text.startswith("The Leader can hand a decision over")
            assert (out[0].first, out[0].last, out[0].kept) == (4, 4, False)
            assert out[0].quote == HAND_OVER  # the source sentence still shown with it
        else:
            assert out[0] == points[0]


def test_a_key_points_summary_says_a_copied_clause_again() -> None:
    """Through the summarizer: the model copies the clause, is asked to say it again, and
    the new wording is what the summary shows; the step is kept like the others."""

    def model(messages: list[Message]) -> str:
        if "Rewrite this point" in messages[-1].content:
            assert "Text of a point on page 4:" in messages[-1].content
            return "The Leader can hand a decision over to another Developer or the Committee."
        return f"- {HAND_OVER}"

    fake = FakeEngine(respond=model)
    fake.load(LoadSpec("fake.gguf", n_ctx=4096))
    source = Source("constitution.pdf", (Page(4, LEADER),))
    steps = MemorySteps()
    result = Summarizer(fake, steps, model_key="m").run(source, Options(mode="key-points"))
    # the model's copy and the sentence kept beside it were said alike: one point is left
    said = [s for s in result.statements if s.text.startswith("The Leader can hand")]
    assert len(said) == 1
    assert (said[0].first, said[0].kept) == (4, False)
    assert (result.stats.restated, result.stats.copied) == (2, 2)
    again = Summarizer(fake, steps, model_key="m").run(source, Options(mode="key-points"))
    assert again.statements == result.statements
    assert again.stats.model_calls == 0  # the restatement was kept with the other steps
    brief = Summarizer(fake, MemorySteps(), model_key="m").run(source, Options(mode="brief"))
    assert brief.stats.restated == 0  # a mode without the prompt keeps its points


def test_a_definition_is_no_fact_to_keep() -> None:
    """The MPL's definitions were its most distinctive sentences, so three of its key
    points were what words mean; the kept fact is now what the licence says."""
    page = (
        '"Covered Software" means Source Code Form to which the initial Contributor has '
        "attached the notice in Exhibit A, the Executable Form of such Source Code Form. "
        "Each Contributor grants You a world-wide, royalty-free licence to distribute its "
        "Contributions as part of a Larger Work."
    )
    assert is_definition(page)
    assert is_definition('For the purposes of this definition, "submitted" means any')
    assert not is_definition('If You "distribute" it, You must keep the notice.')
    facts = evidence.Evidence([evidence.Unit(page, 1, 1)]).salient(1)
    assert [f.text[:32] for f in facts] == ["Each Contributor grants You a wo"]
