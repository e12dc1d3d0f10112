"""A version as clauses to compare: formatting is no change.

Both versions come through the library's reader (running headers, footers and line-end
hyphenation gone at load: ``text.tidy_pages``); here lines are joined (a PDF's line
breaks are its layout, so another wrap width or page size changes nothing), bare page
numbers at a page's edge are dropped, and clauses are compared by a ``key`` in which
quotes, dashes, ligatures, spacing and a hyphen inside a word ("non-exclusive" printed
as "non-\\nexclusive") do not count. Clause boundaries come from the words alone (a
sentence's end, a clause number after ";" or ":", a heading in capitals before a
number), never from where a line or a page happens to break, so the same words split
the same way in both versions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from hushdesk.assistant.summarize.results import Source

LONG_CLAUSE = 150  # words: a longer clause is cut at its paragraphs, ";" or ","
SHORTEST_PART = 12  # words: no shorter part is cut from a long clause
EDGE_LINES = 2  # lines at a page's top and foot that may be page furniture


# -- text --------------------------------------------------------------------------------

_SAME = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u00ad": "",
    }
)
_IN_WORD_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011](?=\w)")


def key(text: str) -> str:
    """What is compared: ``text`` without what formatting changes (quotes, dashes,
    ligatures, spacing, a hyphen inside a word)."""
    text = _IN_WORD_HYPHEN.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.translate(_SAME).split())


@dataclass(frozen=True)
class _Word:
    text: str
    page: int
    line_end: bool
    paragraph: bool  # the first word of a paragraph of the source


@dataclass(frozen=True)
class Clause:
    text: str
    page: int
    paragraph: bool
    key: str


_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
MARKER = re.compile(  # "4.", "4.2", "(b)", "(iv)", "b)", "2)"
    r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,3})\)|(?:[a-z]|\d{1,2})\))$"
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_STARTS = re.compile(r"^[\"'“‘(\[]?[A-Z0-9À-Ý]")
_ABBREVIATIONS = frozenset(
    re.split(
        r"\s+",
        "e.g. i.e. etc. inc. ltd. co. corp. no. nos. mr. mrs. ms. dr. st. vs. cf. art. sec. "
        "para. p. pp. fig. approx. jr. sr. ch. vol. op. al.",
    )
)
_CAPS = re.compile(r"^[A-Z][A-Z,;:'&-]+$")


def _words(version: Source) -> list[_Word]:
    """The document as one stream of words, each with its page; page furniture left
    out (what the reader's ``tidy_pages`` leaves: bare page numbers, and the running
    lines of a document of two pages, too few for it to tell)."""
    out: list[_Word] = []
    split = [page.text.split("\n") for page in version.pages]
    edges = [_edges(lines) if version.paginated else set() for lines in split]
    running = _running(split, edges) if version.paginated and len(split) == 2 else set()
    for page, lines, edge in zip(version.pages, split, edges, strict=True):
        paragraph = True
        for i, line in enumerate(lines):
            tokens = line.split()
            if not tokens:
                paragraph = True
                continue
            if i in edge and (_PAGE_NUMBER.match(line.strip()) or _line_key(line) in running):
                continue
            for n, token in enumerate(tokens):
                out.append(_Word(token, page.number, n == len(tokens) - 1, paragraph and n == 0))
            paragraph = False
    return _join_hyphenated(out)


def _edges(lines: list[str]) -> set[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def _running(split: list[list[str]], edges: list[set[int]]) -> set[str]:
    """Lines at the edge of both pages of a two-page document (numbers aside)."""
    first, second = (
        {_line_key(lines[i]) for i in edge} for lines, edge in zip(split, edges, strict=True)
    )
    return first & second


def _join_hyphenated(words: list[_Word]) -> list[_Word]:
    """ "reproduc-" at a line's end and "tion" on the next: one word (across pages too)."""
    out: list[_Word] = []
    for word in words:
        last = out[-1] if out else None
        if (
            last is not None
            and last.line_end
            and re.search(r"[a-z]-$", last.text)
            and word.text[:1].islower()
            and not word.paragraph
        ):
            out[-1] = _Word(last.text[:-1] + word.text, last.page, word.line_end, last.paragraph)
        else:
            out.append(word)
    return out


def _boundary(words: Sequence[_Word], i: int) -> bool:
    """Whether a clause ends after word ``i`` (decided by the words, not the layout)."""
    this, after = words[i].text, words[i + 1].text
    if MARKER.match(after):
        before = words[i - 1].text if i > 0 else ""
        if re.search(r"[.;:]$", this) or (this in ("and", "or") and before.endswith(";")):
            return True  # "…; and (b) You must…", "…as follows: 1. The…"
        if _CAPS.match(this) and len(this) > 1:
            return True  # a heading in capitals, then "1. Definitions."
    if MARKER.match(this) or not _SENTENCE_END.search(this) or not _STARTS.match(after):
        return False
    bare = this.rstrip("\"'”’)]").lower()
    return bare not in _ABBREVIATIONS and not re.fullmatch(r"(?:[a-z]\.)+", bare)


def clauses(version: Source) -> list[Clause]:
    """The version's clauses in order: sentences, numbered clauses and sub-clauses."""
    words = _words(version)
    spans: list[list[_Word]] = []
    current: list[_Word] = []
    for i, word in enumerate(words):
        current.append(word)
        if i == len(words) - 1 or _boundary(words, i):
            spans.extend(_cut_long(current))
            current = []
    return [
        Clause(
            " ".join(w.text for w in span),
            span[0].page,
            span[0].paragraph or bool(MARKER.match(span[0].text)),
            key(" ".join(w.text for w in span)),
        )
        for span in spans
    ]


def _cut_long(span: list[_Word]) -> list[list[_Word]]:
    """A clause too long to show as one change (a table, a list without full stops)
    cut at its paragraphs, else after its semicolons, else after its commas — never at
    a line's end, which a different layout puts elsewhere."""
    if len(span) <= LONG_CLAUSE:
        return [span]
    cuts = (
        lambda n: n + 1 < len(span) and span[n + 1].paragraph,
        lambda n: span[n].text.endswith(";"),
        lambda n: span[n].text.endswith(","),
    )
    for cut in cuts:
        parts: list[list[_Word]] = [[]]
        for n, word in enumerate(span):
            parts[-1].append(word)
            if cut(n) and len(parts[-1]) >= SHORTEST_PART:
                parts.append([])
        parts = [part for part in parts if part]
        if len(parts) > 1:
            return [piece for part in parts for piece in _cut_long(part)]
    return [span]
