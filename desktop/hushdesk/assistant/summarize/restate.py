"""Key points in plain words: a point copied from the document is said again shortly.

A small model asked for the key points of a licence or a manual copies its clauses ("In
no event and under no legal theory, whether in tort (including negligence), …"), and a
fact the model left out is kept as the source's own sentence. Such a point is given to
the model alone, to say in one short sentence. The new wording is kept only where

- the point's own pages hold it all, like every statement;
- it keeps half the point's names and numbers (a grant of copyright and patent rights
  said as a grant of copyright is shorter and wrong);
- it brings in at most one word of its own ("at a charge no more than the cost of
  distribution" was said "for free");
- it denies something where the point does, and only then (the starter wrote that a
  Chair "has delegated authority" where the Secretary "has not");
- it is no copy again.

Otherwise the point stays as it was: a copy is true, a paraphrase may not be. A
definition ("Covered Software" means …) is not given: its words are the point, and the
1.5B model turned two of them into obligations. A section's heading that a copied
clause runs into ("Subsequent Licenses No Contributor makes…") is left out of what the
model reads: it took the heading's last word for the sentence's subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from hushdesk.assistant.evidence import (
    Evidence,
    content_words,
    fact_words,
    same,
    tokens,
)
from hushdesk.assistant.sentence_kinds import is_definition
from hushdesk.assistant.summarize.holding import held
from hushdesk.assistant.summarize.plan import Heading
from hushdesk.assistant.summarize.results import Statement

RUN = 4  # words in a row, as the document has them
COPIED_SHARE = 0.8  # of a point's runs found in its pages: a copy, not the model's words
LONG = 12  # words: a shorter sentence taken as it is reads well enough
FACTS_KEPT = 0.5  # of the point's names and numbers, that its new wording must keep
NEW_WORDS = 1  # content words of the new wording that the point does not have
_NEGATION = re.compile(  # "no-charge" denies nothing
    r"(?<![\w-])(?:no|not|never|nor|none|neither|nothing|nobody|without|cannot|unless)"
    r"(?![\w-])|n['’]t\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^(?:[A-Z]|\d+)(?:\.\d+)*\.?\s+")  # a heading's "2.4."
_RULE = re.compile(r"^[-=*_\s]{3,}")  # the rule under a plain-text heading


def copied(text: str, source: str) -> bool:
    """Whether most runs of ``RUN`` words of ``text`` stand in ``source`` as they are."""
    words = [t for t in tokens(text) if t]
    if len(words) < RUN:
        return False
    said = [t for t in tokens(source) if t]
    runs = {tuple(said[i : i + RUN]) for i in range(len(said) - RUN + 1)}
    grams = [tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)]
    return sum(g in runs for g in grams) >= COPIED_SHARE * len(grams)


def to_restate(statement: Statement, source: str) -> bool:
    """A point worth saying again: a long one, kept from the text or copied from it."""
    if len(statement.text.split()) < LONG or is_definition(statement.text):
        return False
    return statement.kept or copied(statement.text, source)


def without_heading(text: str, headings: Sequence[Heading]) -> str:
    """``text`` without the heading it opens with, as a copied clause runs into it."""
    for heading in headings:
        title = _NUMBER.sub("", heading.text).strip()
        if title and text.startswith(title + " ") and len(text) > 2 * len(title):
            return _RULE.sub("", text[len(title) :]).strip()
    return text


def says_the_same(wording: str, point: str) -> bool:
    """Whether ``wording`` keeps most of ``point``'s names and numbers, adds at most
    ``NEW_WORDS`` words of its own and denies something only where the point does."""
    said, words = content_words(point), content_words(wording)
    facts = fact_words(point) & said  # as the evidence check counts them ("Leader's": leader)
    if len(words - said) > NEW_WORDS:
        return False
    if bool(_NEGATION.search(wording)) != bool(_NEGATION.search(point)):
        return False
    return not facts or len(facts & words) >= FACTS_KEPT * len(facts)


def restated(
    statements: Sequence[Statement],
    *,
    text_on: Callable[[int, int], str],
    evidence_on: Callable[[int, int], Evidence],
    write: Callable[[Statement], str],
    style: str,
    headings: Sequence[Heading] = (),
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> tuple[list[Statement], int, int]:
    """``statements`` with each copied point in the model's words where its pages hold
    them (``write`` asks the model; ``text_on``/``evidence_on`` give pages first–last;
    ``headings``, the document's), how many were said again and how many were copied."""
    due = [i for i, s in enumerate(statements) if to_restate(s, text_on(s.first, s.last))]
    out: list[Statement | None] = list(statements)
    done = 0
    for n, index in enumerate(due):
        progress(n, len(due))
        point = statements[index]
        evidence = evidence_on(point.first, point.last)
        there = [h for h in headings if point.first <= h.page <= point.last]
        plain = replace(point, text=without_heading(point.text, there))
        found, dropped = held(write(plain), evidence, style, single=True)
        wording = " ".join(s.text for s in found)
        if not found or dropped or not says_the_same(wording, plain.text):
            continue
        if copied(wording, text_on(point.first, point.last)):
            continue
        done += 1
        if any(o is not None and j != index and same(wording, o.text) for j, o in enumerate(out)):
            out[index] = None  # the clause and the fact kept beside it, said alike: one point
            continue
        out[index] = replace(point, text=wording, kept=False, quote=point.quote or found[0].quote)
    return [o for o in out if o is not None], done, len(due)
