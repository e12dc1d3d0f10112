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
