"""What of the model's output a summary keeps: each statement held to the text it
claims to summarize, and every part of the document represented."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from hushdesk.assistant.evidence import (
    MIN_WORDS,
    Evidence,
    Idf,
    Support,
    content_words,
    same,
    states_new_fact,
)
from hushdesk.assistant.sentence_kinds import looks_like_heading
from hushdesk.assistant.summarize.output import statements_in
from hushdesk.assistant.summarize.results import Statement


def held(
    output: str, evidence: Evidence, style: str, *, single: bool = False
) -> tuple[list[Statement], int]:
    """The statements of ``output`` that ``evidence`` backs, each once in its fullest
    wording, and how many it did not back. A line that states nothing ("4.", a name
    alone, a heading) is left out uncounted: it is no unsupported statement."""
    kept: list[Statement] = []
    heading, dropped = "", 0
    for written, is_heading in statements_in(output, style):
        if is_heading:
            heading = written if single and style == "sections" else heading
            continue
        claim = claim_of(written)
        if not states_something(claim):
            continue
        support = evidence.holds(claim)
        if support is None:
            dropped += 1
            continue
        label = written[: len(written) - len(claim)]
        # "**Recruiting Developers**:" over a claim about copyright papers is left out
        line = written if _labels_its_pages(label, evidence, support) else claim
        statement = Statement(line, support.first, support.last, heading, quote=support.sentence)
        twin = next((i for i, k in enumerate(kept) if same(line, k.text)), None)
        if twin is None:
            kept.append(statement)
        elif len(line) > len(kept[twin].text):  # the fuller wording of the same fact
            kept[twin] = statement
    return kept, dropped


def states_something(line: str) -> bool:
    """Whether a line of the model's could be a statement at all."""
    return len(content_words(line)) >= MIN_WORDS and not looks_like_heading(line)


_LABEL = re.compile(r"^\*\*[^*]{1,80}?(?:\*\*\s*[:–—-]|:\*\*)\s*(?=\S)")


def claim_of(line: str) -> str:
    """What a point says after the bold label a small model opens it with ("**File
    Permissions**: Ensure all files are world-readable…"), mostly the heading it draws
    on. The claim is held to the source; the label is not (its capitals, and the
    claim's first word, were taken for facts to find)."""
    match = _LABEL.match(line)
    return line[match.end() :] if match else line


def _labels_its_pages(label: str, evidence: Evidence, support: Support) -> bool:
    """Whether a bold label's words (none: no label) stand on the pages that back its
    claim, their headings included, so that it says where the claim comes from."""
    return content_words(label) <= evidence.words_on(support.first, support.last)


def covered(
    statements: list[Statement],
    notes: list[Statement],
    parts: Sequence[tuple[int, int]],
    idf: Idf,
    keep: str,
    *,
    every: bool = True,
) -> list[Statement]:
    """Every part (first and last page) of the document represented: with ``every``,
    each part's most telling fact that the summary does not state yet is added (one the
    model wrote in its notes before one taken from the text); a part nothing draws on
    gets its most telling note (a long document is more than its first chapter)."""
    out = list(statements)
    said: set[str] = set().union(*(content_words(s.text) for s in out))
    for lo, hi in parts:
        inside = [n for n in notes if lo <= n.first <= hi]
        news = [
            n
            for n in inside
            if every
            and states_new_fact(n.text, said, keep)
            and not any(same(n.text, s.text) for s in out)
        ]
        if news:
            best = max(news, key=lambda n: (not n.kept, idf.salience(n.text, said)))
        elif inside and not any(s.first <= hi and s.last >= lo for s in out):
            best = max(inside, key=lambda n: (not n.kept, idf.salience(n.text)))
        else:
            continue
        out.append(replace(best, heading=""))
        said |= content_words(best.text)
    return out


def most_telling_of(
    found: list[Statement], before: list[Statement], idf: Idf, limit: int
) -> list[Statement]:
    """Up to ``limit`` of ``found``, in their order: each time the one that adds the most
    telling facts to ``before`` and those already chosen (a small model asked for two
    points of a chapter may write ten)."""
    said: set[str] = set().union(*(content_words(s.text) for s in before))
    rest = [f for f in found if not any(same(f.text, s.text) for s in before)]
    chosen: list[Statement] = []
    while rest and len(chosen) < limit:
        best = max(rest, key=lambda f: idf.salience(f.text, said))
        chosen.append(best)
        rest.remove(best)
        said |= content_words(best.text)
    return [f for f in found if f in chosen]
