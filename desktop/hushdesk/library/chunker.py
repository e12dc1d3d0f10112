"""Page-aware chunks: passages small enough for the embedding model, never across pages,
each with the page and character offsets it came from (for citations)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hushdesk.library.document import PageText

WORDS_PER_CHUNK = 160  # all-MiniLM reads 256 word pieces: ~160 English words
OVERLAP_WORDS = 30

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    page: int
    start: int  # character offsets in the page text
    end: int
    text: str
    label: str = ""  # the page's, where it names its place itself ("sheet Rents, row 7")


def chunk_pages(
    pages: list[PageText], *, words: int = WORDS_PER_CHUNK, overlap: int = OVERLAP_WORDS
) -> list[Chunk]:
    chunks: list[Chunk] = []
    step = max(1, words - overlap)
    for page in pages:
        spans = [m.span() for m in _WORD.finditer(page.text)]
        if not spans:
            continue
        for first in range(0, len(spans), step):
            window = spans[first : first + words]
            start, end = window[0][0], window[-1][1]
            chunks.append(Chunk(page.number, start, end, page.text[start:end], page.label))
            if first + words >= len(spans):
                break
    return chunks


_SPACERS = re.compile(r"[-_.]+")
HEADING_CHARS = 80  # of the name and of the title: the passage must stay most of the vector


def heading(name: str, title: str | None) -> str:
    """The line a passage's vector is computed with above its text: the document's name
    as a reader writes it ("GNU-grep.pdf" → "GNU grep"), and its own title before it
    where that says more than the name.

    Sibling documents say the same things in the same words: grep's, sed's and gzip's
    manuals each explain ``-i`` and exit statuses, and only a page's first passage carries
    its running header. With the name in every vector, a reworded question about grep's
    exit status finds grep's passage among the siblings' (tests/integration/
    test_sibling_manuals.py). Measured on the bench's three sets (``bench/quality.py
    --parts retrieval``): the manuals' hit@5 0.87 → 0.97; docs/QUALITY.md has every
    set's figures. The stored text stays as it is: this line is for the vector only."""
    readable = _readable(name.rsplit(".", 1)[0] if "." in name else name)[:HEADING_CHARS]
    title = " ".join((title or "").split())[:HEADING_CHARS]  # a file's own: may be anything
    if not title or _readable(title).lower() == readable.lower():
        return readable
    return f"{title}\n{readable}"


def _readable(name: str) -> str:
    return " ".join(_SPACERS.sub(" ", name).split())


def embedding_text(text: str, head: str) -> str:
    """What the embedding model reads of a passage: its document's heading line, then it."""
    return f"{head}\n{text}" if head else text
