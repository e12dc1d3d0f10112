"""What of the model's output a summary keeps: each statement held to the text it
claims to summarize, and every part of the document represented."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from hushdesk.assistant.evidence import (
    MIN_WORDS,
    Evidence,
    Idf,
    Meaning,
    Support,
    content_words,
    same,
    states_new_fact,
)
from hushdesk.assistant.sentence_kinds import looks_like_apparatus, looks_like_heading
from hushdesk.assistant.summarize.output import statements_in
from hushdesk.assistant.summarize.results import Statement


def held(
    output: str,
    evidence: Evidence,
    style: str,
    *,
    single: bool = False,
    named: frozenset[str] = frozenset(),
) -> tuple[list[Statement], int]:
    """The statements of ``output`` that ``evidence`` backs, each once in its fullest
    wording, and how many it did not back. A line that states nothing ("4.", a name
    alone, a heading) is left out uncounted: it is no unsupported statement. The words
    ``named`` (the document's name) need no support where nothing backs them with it:
    "The Apache License does not grant permission to use the trade names…" is what its
    section 6 says of "This License"."""
    kept: list[Statement] = []
    heading, dropped = "", 0
    for written, is_heading in statements_in(output, style):
        if is_heading:
            heading = written if single and style == "sections" else heading
            continue
        claim = claim_of(written)
        if not states_something(claim):
            continue
        support = evidence.holds(claim) or (evidence.holds(claim, named) if named else None)
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


def name_words(name: str) -> frozenset[str]:
    """The words of a document's file name ("Apache-2.0.pdf": apache; not 2 or 0)."""
    stem = re.sub(r"[-_.]", " ", name.rpartition(".")[0] or name)
    return frozenset(w for w in content_words(stem) if w.isalpha())


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


@dataclass(frozen=True)
class Run:
    """One of the equal runs of a chapter's notes: its pages, and the note that best
    stands for it."""

    first: int
    last: int
    stand_in: Statement | None  # none where the model wrote nothing there that states something

    def holds(self, statement: Statement) -> bool:
        return self.first <= statement.first <= self.last


def says_something(text: str) -> bool:
    """Whether a note states something: not a title line, a table, a code sample, a few
    words or the end of a sentence ("becomes 'a{3,}' when using extended regular
    expressions.")."""
    return (
        not text[:1].islower()
        and len(content_words(text)) >= MIN_WORDS
        and not looks_like_apparatus(text)
        and not looks_like_heading(text)
    )


def runs_of(notes: list[Statement], count: int, idf: Idf, meaning: Meaning | None) -> list[Run]:
    """``notes`` (in page order) cut into ``count`` runs of as many notes, each with the
    note nearest its mean meaning (without embeddings, the most telling) of those the
    model wrote that state something."""
    if count < 2 or len(notes) <= count:
        return []
    size = len(notes) / count
    out = []
    for i in range(count):
        run = notes[math.floor(i * size) : math.floor((i + 1) * size)]
        said = [n for n in run if not n.kept and says_something(n.text)]
        if not said:  # what the summarizer kept from the text, or titles: nothing to add
            best = None
        elif meaning is None:
            best = max(said, key=lambda n: idf.salience(n.text))
        else:
            vectors = meaning([n.text for n in said])
            best = said[int((vectors @ vectors.mean(axis=0)).argmax())]
        out.append(Run(min(n.first for n in run), max(n.first for n in run), best))
    return out


def spread_over(
    points: list[Statement],
    runs: Sequence[Run],
    idf: Idf,
    limit: int,
    copy: Callable[[Statement], bool] = lambda _point: False,
) -> list[Statement]:
    """``points`` with each run none of them draws on given its stand-in: added, up to
    ``limit`` points, or in place of the least telling point of the run most drawn on
    (where one has two; a ``copy`` of the text first), where the stand-in tells more
    (or is no copy). A small model merging a chapter's notes writes its points from
    the first it reads: the Coding Standards' chapter on documentation (pages 59-72)
    had three points from page 59, none on change logs (pages 65-68)."""
    out = list(points)
    for run in runs:
        if run.stand_in is None or any(run.holds(p) for p in out):
            continue
        if any(same(run.stand_in.text, p.text) for p in out):
            continue
        drawn = [[p for p in out if r.holds(p)] for r in runs]
        crowded = max(drawn, key=len)
        if len(out) >= limit:
            if len(crowded) < 2:
                continue
            least = min([*crowded, run.stand_in], key=lambda p: (not copy(p), idf.salience(p.text)))
            if least is run.stand_in:
                continue  # the run's best would lose: a copy, or less telling
            out.remove(least)
        out.append(replace(run.stand_in, heading=""))
    return sorted(out, key=lambda p: p.first)
