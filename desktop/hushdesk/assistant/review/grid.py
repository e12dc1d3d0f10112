"""One cell of a review grid: one question asked of one document only.

A cell reads more of its document than a chat answer does: the whole document when it
fits the model's context with the question and the answer — then every question of that
document shares the prompt up to the question, so the model reads the document once
(llama.cpp keeps the common start of consecutive prompts) — else the passages of that
document closest to the question (its own vectors and words fused by rank, one passage
per page while pages are left, ``READ_TOKENS`` at most). No other document can be in
the prompt, so no sibling can answer for it.

The answer is then held to those passages by the same check as a chat answer
(``grounding.settle``): a sentence no passage backs is dropped from the cell, and with
none backed the cell is "Not stated". What the cell shows is taken from the backed
answer by the column's type (the date, the amount as the document writes them, Yes or
No, the choice), and every cell keeps its sources and the check's decisions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hushdesk import assets
from hushdesk.assistant.citations import Citation, read_all
from hushdesk.assistant.dates import date_phrase, date_phrases
from hushdesk.assistant.evidence import (
    Idf,
    content_words,
    fact_words,
    split_sentences,
)
from hushdesk.assistant.generation import complete
from hushdesk.assistant.grounding import (
    UNSUPPORTED_MARK,
    Check,
    Grounding,
    around,
    cited_numbers,
    fence,
    said_not_found,
    settle,
    unfence,
)
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.library.grid_rows import Cell, CellState, Column, GridRecord

if TYPE_CHECKING:
    from hushdesk.engine.base import Engine
    from hushdesk.jobs import CancelToken
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.records import Library
    from hushdesk.library.store import FileRecord, StoredChunk

ANSWER_TOKENS = 160  # a cell's answer: a sentence or two
MARGIN_TOKENS = 64
MAX_PASSAGES = 6  # of a document too long to read whole…
READ_TOKENS = 2000  # …and at most this much of it: more drowns a small model, and is slow
PHRASE_WORDS = 10  # an answer this short may be a name or a title, quoted
RRF_K = 60
NOT_STATED = "Not stated"
_MARKS = re.compile(r"\s*\[\d{1,2}\]")
_NEGATIVE = re.compile(  # "no-charge" and "non-exclusive" grant; "no" alone denies
    r"(?<![\w-])(?:not|no|never|neither|nor|cannot|without|none)(?![\w-])|n't\b", re.I
)

Counter = Callable[[str], int]  # text → its tokens for the model


def prompts(family: str = "") -> dict[str, Any]:
    return assets.prompts("grid.toml", family=family)


@dataclass(frozen=True)
class Grid:
    """A grid as it stands: its questions, its documents and the cells answered."""

    record: GridRecord
    library: Library
    documents: tuple[FileRecord, ...]
    cells: dict[tuple[int, int], Cell]

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.record.columns

    def cell(self, file_id: int, column_id: int) -> Cell | None:
        return self.cells.get((file_id, column_id))

    def missing(self) -> list[tuple[FileRecord, Column]]:
        """The cells with no answer yet, document by document."""
        return [
            (doc, col)
            for doc in self.documents
            for col in self.columns
            if (doc.id, col.id) not in self.cells
        ]

    @property
    def total(self) -> int:
        return len(self.documents) * len(self.columns)

    def to_json(self) -> list[dict[str, Any]]:
        """One object per document with its cells (``hushdesk grid --json``)."""
        out = []
        for doc in self.documents:
            row = []
            for col in self.columns:
                cell = self.cell(doc.id, col.id)
                row.append({
                    "question": col.question,
                    "type": col.type,
                    "answer": cell.value if cell else None,
                    "state": cell.state if cell else "pending",
                    "text": cell.answer if cell else "",
                    "sources": [
                        {"file": c.file, "page": c.page, "passage": c.passage}
                        for c in sources(cell)
                    ],
                })  # fmt: skip
            out.append({"document": doc.name, "path": doc.path, "cells": row})
        return out


def sources(cell: Cell | None) -> tuple[Citation, ...]:
    """A cell's sources, read back typed."""
    return read_all(cell.sources) if cell is not None else ()


@dataclass(frozen=True)
class Asked:
    """What the model read for a cell: the prompt and the passages it cites."""

    system: str
    prompt: str
    citations: tuple[Citation, ...]
    whole: bool  # the whole document was read


def ask(
    library: DocumentLibrary,
    lib: Library,
    record: FileRecord,
    column: Column,
    *,
    context_tokens: int,
    count: Counter,
    family: str = "",
) -> Asked:
    """The prompt for ``column``'s question over ``record``, within the context."""
    p = prompts(family)
    kind = str(p["kinds"].get(column.type, "")).format(choices=", ".join(column.choices))
    system = str(p["system"]).strip()
    empty = str(p["user"]).format(sources="", question=column.question, kind=kind)
    budget = context_tokens - count(system) - count(empty) - ANSWER_TOKENS - MARGIN_TOKENS
    pages = [(n, t) for n, t in library.store.pages(record.id) if t.strip()]
    whole = sum(count(f"[0] {record.name}, page {n}\n<<<\n{t}\n>>>\n") for n, t in pages)
    if whole <= budget:
        chosen = [(n, 0, len(t), t) for n, t in pages]
    else:
        budget = min(budget, READ_TOKENS)
        chosen = _closest(library, lib, record, column.question, budget=budget, count=count)
    citations = tuple(
        Citation(n=i, path=record.path, file=record.name, file_id=record.id, page=page,
                 paginated=record.paginated, passage=text, start=start, end=end, score=0.0)
        for i, (page, start, end, text) in enumerate(chosen, start=1)
    )  # fmt: skip
    source = str(assets.prompts("answer.toml")["source"]).strip()
    sources = "\n\n".join(
        source.format(n=c.n, where=fence(c.where), text=fence(c.passage)) for c in citations
    )
    prompt = str(p["user"]).format(sources=sources, question=column.question, kind=kind)
    return Asked(system, prompt.strip(), citations, whole <= budget)


def _closest(
    library: DocumentLibrary,
    lib: Library,
    record: FileRecord,
    question: str,
    *,
    budget: int,
    count: Counter,
) -> list[tuple[int, int, int, str]]:
    """The document's passages closest to ``question`` by meaning and by its rare words,
    fused by rank, one per page while pages are left, until ``budget`` is spent — and
    its opening always second: a document says what it is, who made it, between whom
    and when at its top, in words that read little like the question ("Version 3, 29
    June 2007" for "When was it published?")."""
    chunks = library.store.chunks_of(record.id)
    vector = library.embedder(lib).embed([question])[0]
    similarity = library.index.similarities(lib, [c.id for c in chunks], vector)
    idf = Idf([c.text for c in chunks])
    asked = content_words(question)
    words = {c.id: idf.weight(asked & content_words(c.text)) for c in chunks}
    score = dict.fromkeys((c.id for c in chunks), 0.0)
    for ranking in (similarity, words):
        ordered = sorted(score, key=lambda c, r=ranking: -r.get(c, 0.0))  # type: ignore[misc]
        for rank, chunk_id in enumerate(ordered):
            score[chunk_id] += 1.0 / (RRF_K + rank + 1)
    ranked = sorted(chunks, key=lambda c: -score[c.id])
    firsts = list({c.page: c for c in reversed(ranked)}.values())  # each page's best
    firsts.sort(key=lambda c: -score[c.id])
    order = firsts + [c for c in ranked if c not in firsts]
    opening = min(chunks, key=lambda c: (c.page, c.start), default=None)
    if opening is not None and len(order) > 1:
        order.remove(opening)
        order.insert(1, opening)
    picked: list[StoredChunk] = []
    spent = 0
    for chunk in order:
        cost = count(chunk.text) + 20
        if spent + cost > budget or len(picked) == MAX_PASSAGES:
            break
        picked.append(chunk)
        spent += cost
    return [(c.page, c.start, c.end, c.text) for c in picked]


def answer(
    engine: Engine,
    params: SamplingParams,
    asked: Asked,
    column: Column,
    *,
    library: DocumentLibrary,
    lib: Library,
    model: str,
    file_id: int,
    family: str = "",
    cancel: CancelToken | None = None,
) -> Cell:
    """The model's answer to ``asked``, held to its passages, as the cell shows it."""
    messages = [Message("system", asked.system), Message("user", asked.prompt)]
    raw = unfence(complete(engine, messages, params, cancel=cancel).text)
    nearby = {c.n: c.passage if asked.whole else around(library, c) for c in asked.citations}
    grounding = Grounding(asked.prompt, asked.citations, False, library.embedder(lib).embed, nearby)
    if _not_stated(raw, family):
        return _cell(file_id, column, "not stated", NOT_STATED, raw, model=model)
    settled = settle(raw, grounding, column.question, family)
    checks = tuple(c.to_dict() for c in settled.checks)
    if settled.abstained:
        held = _held_otherwise(raw, column, asked.citations)
        if held is None:
            return _cell(file_id, column, "not stated", NOT_STATED, raw, checks=checks,
                         model=model)  # fmt: skip
        kept, source, check = held
        sources: Sequence[Citation] = (source,)
        checks = (check.to_dict(),)
    else:
        kept = settled.text  # without the sentences no passage backs
        for check in settled.checks:
            if check.verdict == "not backed":
                kept = kept.replace(check.sentence + UNSUPPORTED_MARK, "")
        kept = " ".join(kept.split())
        cited = set(cited_numbers(kept, [c.n for c in asked.citations]))
        sources = tuple(c for c in asked.citations if c.n in cited) or asked.citations[:1]
    if column.type == "text" and (
        _answers_another(kept, column.question)
        or _names_itself(kept, column.question, library.store.page_text(file_id, 1))
    ):
        return _cell(file_id, column, "not stated", NOT_STATED, raw, checks=checks, model=model)
    value = typed_value(_MARKS.sub("", kept).strip(), column)
    if column.type == "date":
        value = _fuller_date(value, sources)
    return _cell(
        file_id, column, "answered", value, kept, sources=sources, checks=checks, model=model
    )


_WHO = re.compile(r"\s*(?:who|what|which)\s+(?:is|are|was|were)\b", re.IGNORECASE)
_SUBJECT = re.compile(r"\W*(?:the\s+)?([a-z][a-z -]{0,40}?)\s+(?:is|are|was|were)\s", re.I)
_GENERIC = frozenset({"document", "text", "answer", "licence", "license", "agreement"})


def _answers_another(text: str, question: str) -> bool:
    """Whether an answer to "Who is the landlord?" says who someone else is ("The
    tenant is Clara Wu"): its words may all stand in the passage ("between Clara Wu (the
    landlord) and the tenant"), but it names another role than the one asked about."""
    said = _SUBJECT.match(text)
    if not _WHO.match(question) or said is None or not said.group(1).islower():
        return False
    subject = content_words(said.group(1)) - content_words(" ".join(_GENERIC))
    return bool(subject) and not subject & content_words(question)


_ASKS_NAME = frozenset(content_words("name title called named kind type"))
TITLE_LINES = 4  # a title rarely takes more lines at the top of its first page


def _names_itself(text: str, question: str, first_page: str) -> bool:
    """Whether an answer only names the document asked about: "Which law governs this
    licence?" — "The GNU General Public License governs this licence." Every word of it
    stands in the document (its title), so the check backs it, but it answers nothing.
    Unless the question asks for a name or a title, an answer whose only words beyond
    the question's are the title's is no answer."""
    if content_words(question) & _ASKS_NAME:
        return False
    said = content_words(_MARKS.sub("", text)) - content_words(question)
    return bool(said) and said <= _title_words(first_page)


def _title_words(page: str) -> set[str]:
    """The words of a document's title: the short lines at the top of its first page,
    down to the first that holds a number ("Version 3, 29 June 2007") or reads as a
    sentence."""
    words: set[str] = set()
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    for line in lines[:TITLE_LINES]:
        if len(line.split()) > 8 or line.endswith((".", ";", ",")):
            break
        words |= content_words(line)
        if re.search(r"\d", line):
            break
    return words


def _held_otherwise(
    raw: str, column: Column, citations: Sequence[Citation]
) -> tuple[str, Citation, Check] | None:
    """A cell's answer the sentence check cannot judge, held another way: a yes/no by
    the polarity of the passage that says what was asked; a short phrase ("Free
    Software Foundation", "CC0 1.0 Universal": a name, a title) found word for word in
    a passage — the sentence check takes a phrase of capitalised words for a heading."""
    answer_text = _MARKS.sub("", raw).strip()
    if column.type == "yes/no":
        polar = _by_polarity(raw, column.question, citations)
        if polar is None:
            return None
        said, (source, quote) = polar
        why = f"[{source.n}] says {'not ' if said == 'No' else ''}so"
        return answer_text, source, Check(raw, "backed", why, source.n, quote)
    phrase = _folded(answer_text)
    if not phrase or len(phrase.split()) > PHRASE_WORDS or not fact_words(answer_text):
        return None
    for c in citations:
        if f" {phrase} " in f" {_folded(c.passage)} ":
            why = f"[{c.n}] writes it word for word"
            return answer_text, c, Check(answer_text, "backed", why, c.n, answer_text)
    return None


def _folded(text: str) -> str:
    """Lower-case words and numbers only: a phrase compared across line breaks,
    punctuation and case."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _by_polarity(
    raw: str, question: str, citations: Sequence[Citation]
) -> tuple[str, tuple[Citation, str]] | None:
    """A yes/no answer that only restates the question ("No, the tenant may not
    sublet") has nothing the answer check can hold to a passage but its polarity: it
    stands when the passage sentences that say most of what was asked (at least half
    of the question's words) all say it the same way — negated for No, plainly for Yes."""
    first = re.match(r"\W*(yes|no)\b", raw, re.IGNORECASE)
    asked = content_words(question)
    if first is None or len(asked) < 2:
        return None
    said = first.group(1).capitalize()
    overlap = {
        (c.n, sentence): (c, len(asked & content_words(sentence)))
        for c in citations
        for sentence in split_sentences(c.passage)
    }
    most = max((n for _, n in overlap.values()), default=0)
    if most < max(2, math.ceil(0.5 * len(asked))):
        return None
    closest = [(c, s) for (_, s), (c, n) in overlap.items() if n == most]
    if all(bool(_NEGATIVE.search(s)) == (said == "No") for _, s in closest):
        return said, closest[0]
    return None


def _not_stated(raw: str, family: str) -> bool:
    said = " ".join(raw.lower().split()).strip(" .")
    return said.startswith(str(prompts(family)["not_stated"]).lower()) or said_not_found(raw)


def _cell(
    file_id: int,
    column: Column,
    state: CellState,
    value: str,
    answer_text: str,
    *,
    sources: Sequence[Citation] = (),
    checks: Sequence[dict[str, Any]] = (),
    model: str,
) -> Cell:
    return Cell(
        file_id=file_id,
        column_id=column.id,
        state=state,
        value=value,
        answer=answer_text,
        sources=[c.to_dict() for c in sources],
        checks=list(checks),
        model=model,
    )


_AMOUNT = re.compile(
    r"(?:(?:[$€£¥]|\b(?:USD|EUR|GBP|CHF|JPY)\s?)\d[\d,. ]*\d(?:\.\d+)?"
    r"|\b\d[\d,. ]*\d(?:\.\d+)?\s?(?:(?:dollars|euros|pounds|percent|USD|EUR|GBP|CHF|JPY)\b|%)"
    r"|\b\d[\d,]*(?:\.\d+)?\b)",
    re.IGNORECASE,
)


def _fuller_date(value: str, cited: Sequence[Citation]) -> str:
    """A date answered in part ("2004", "June 2007") as its source writes it whole
    ("January 2004", "29 June 2007"), when the source holds one such date only."""
    bare = re.fullmatch(r"\s*(\d{4})\W*", value)
    found = date_phrase(value)
    if bare:
        year, month = int(bare.group(1)), None
    elif found is not None and not _DAY.search(found[0]):
        year, month = found[1].year, found[1].month
    else:
        return value  # no date, or one with its day already
    fuller = {
        words
        for c in cited
        for words, day in date_phrases(c.passage)
        if day.year == year
        and month in (None, day.month)
        and (_DAY.search(words) or (month is None and re.search(r"[A-Za-z]{3}", words)))
    }
    fuller = {w for w in fuller if not any(w != o and w in o for o in fuller)}  # the longest
    return fuller.pop() if len(fuller) == 1 else value


_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\b")


def typed_value(text: str, column: Column) -> str:
    """What a cell of ``column``'s type shows of a checked answer: the date or the
    amount as written, Yes or No, the choice named — else the answer itself."""
    text = " ".join(text.split())
    if column.type == "date":
        found = date_phrase(text)
        return found[0] if found else text
    if column.type == "amount":
        amounts = [m.group(0).strip() for m in _AMOUNT.finditer(text)]
        with_unit = [a for a in amounts if not a.replace(",", "").replace(".", "").isdigit()]
        return (with_unit or amounts or [text])[0]
    if column.type == "yes/no":
        first = re.match(r"\W*(yes|no)\b", text, re.IGNORECASE)
        return first.group(1).capitalize() if first else text
    if column.type == "choice":
        low = text.lower()
        named = [c for c in column.choices if re.search(rf"\b{re.escape(c.lower())}\b", low)]
        return min(named, key=lambda c: low.index(c.lower())) if named else text
    return _without_question(text, column.question)


_COPULA = re.compile(r"\b(?:is|are|was|were)\b\s+", re.IGNORECASE)


def _without_question(text: str, question: str) -> str:
    """A one-sentence answer without the question said again before it: "The landlord
    is Ada Moss." → "Ada Moss" (the whole answer stays in the cell's tooltip)."""
    if len(_MARKS.sub("", text).rstrip(".").split(". ")) > 1:
        return text
    verb = _COPULA.search(text)
    if verb is None or not content_words(text[: verb.start()]) <= content_words(question):
        return text
    rest = text[verb.end() :].strip().rstrip(".")
    return rest[:1].upper() + rest[1:] if rest else text
