"""Retrieval: a question's passages from a library, vector and keyword search fused
by reciprocal rank, with the similarity that decides whether to abstain.

A third list serves technical questions: an option, variable or address the question
writes as it is ("-i", "--max-count", "LC_ALL", "bug-grep@gnu.org") is found only where
it stands as written. The full-text index drops the punctuation that makes ``-i``
differ from the word "I", so its matches are checked against the passages' text.
Then at most one passage per page, unless too few pages answer: two neighbouring
passages of one page crowd out the sibling document that holds the answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hushdesk.library.index import VectorIndex
from hushdesk.library.recordings import KIND, label_times
from hushdesk.library.records import place
from hushdesk.library.store import DocumentStore, FileRecord, Library, StoredChunk
from hushdesk.library.text import LITERAL, literals, stands_in

RRF_K = 60
CANDIDATES = 40
_WORD = re.compile(r"[^\W_]{3,}")
# Words of file names and titles that name no document in particular.
_GENERIC_WORDS = """the and for with from this that what which about copy final draft version
    scan scanned signed document documents file files page pages pdf docx txt html new old"""
_GENERIC = frozenset(_GENERIC_WORDS.split())
Owned = Callable[[str, frozenset[int]], bool]  # (a word, files): are its passages theirs?


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    file: FileRecord
    score: float  # fused rank score
    similarity: float | None  # cosine similarity of the passage to the question
    defines: bool = False  # the best definition of an option or variable the question writes

    @property
    def where(self) -> str:
        return place(self.file.name, self.chunk.page, self.file.paginated, self.chunk.label)

    @property
    def times(self) -> tuple[float, float] | None:
        """Where in a recording the passage was spoken: (start, end) in seconds."""
        return label_times(self.chunk.label) if self.file.kind == KIND else None


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    abstain: bool  # nothing relevant enough: say so instead of guessing
    best_similarity: float
    named: frozenset[int] = frozenset()  # the files the question names (ids)


def fused_search(
    store: DocumentStore,
    index: VectorIndex,
    library: Library,
    query: str,
    vector: np.ndarray,
    *,
    k: int,
    relevance_floor: float,
    named: Iterable[int] = (),
) -> SearchResult:
    """The ``k`` best passages of the library's indexed files for ``query`` (embedded as
    ``vector``); abstains when the closest is less similar than ``relevance_floor``.
    Passages of the ``named`` files (ids; those the question names) rank as if a third
    list had put them first."""
    semantic = index.query(library, vector, CANDIDATES)
    keyword = store.keyword_search(library, query, CANDIDATES)
    scores: dict[int, float] = {}
    literal = literal_search(store, library, query)
    defining = {c for c, defines in literal if defines}
    for ranked in (semantic, keyword, literal):
        for rank, (chunk_id, _) in enumerate(ranked):
            weight = 2.0 if chunk_id in defining else 1.0  # defines what the question asks
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)
    similarity = dict(semantic)
    missing = [c for c, _ in keyword + literal if c not in similarity]
    similarity.update(index.similarities(library, missing, vector))  # words-only hits
    chunks = store.chunks(library, list(scores))  # done files of this library only
    named = frozenset(named)
    for chunk_id, stored in chunks.items():
        if stored.file_id in named:
            scores[chunk_id] += 1.0 / (RRF_K + 1)
    order = [c for c, _ in sorted(scores.items(), key=lambda kv: -kv[1]) if c in chunks]
    definition = max((c for c in defining if c in chunks), key=lambda c: scores[c], default=None)
    asked = _words(query) - _GENERIC
    picked = _one_per_page(order, chunks, k, [definition] if definition is not None else [], asked)
    hits = []
    for chunk_id in picked:
        record = store.file_by_id(chunks[chunk_id].file_id)
        if record is not None:
            hits.append(
                Hit(
                    chunks[chunk_id],
                    record,
                    scores[chunk_id],
                    similarity.get(chunk_id),
                    chunk_id == definition,
                )
            )
    best = max((v for c, v in similarity.items() if c in chunks), default=0.0)
    return SearchResult(
        hits, abstain=not hits or best < relevance_floor, best_similarity=best, named=named
    )


def _one_per_page(
    ranked: list[int],
    chunks: dict[int, StoredChunk],
    k: int,
    firsts: list[int],
    asked: set[str],
) -> list[int]:
    """The best ``k`` of ``ranked``, one passage per page while other pages are left —
    unless a second passage of a page holds words of the question (``asked``) that no
    passage already in holds ("who is the license steward": the passage after the one
    about the courts). Then ``firsts`` (the best definition of what is asked)
    take the last places where their page is not shown yet. (Each list's best was tried
    there too: it found a reworded question's passage in one set and lost a definition
    in another.)"""

    def page(chunk_id: int) -> tuple[int, int]:
        return chunks[chunk_id].file_id, chunks[chunk_id].page

    kept: list[int] = []
    again: list[int] = []  # a second passage of a page already in: only if pages run out
    for chunk_id in ranked:
        same = any(page(c) == page(chunk_id) for c in kept)
        shown = set().union(*(_words(chunks[c].text) for c in kept)) if same else set()
        adds = same and bool((_words(chunks[chunk_id].text) & asked) - shown)
        (kept if not same or adds else again).append(chunk_id)
        if len(kept) == k:
            break
    kept += again[: k - len(kept)]
    place = len(kept) - 1
    for first in firsts:
        if len(kept) == k and place >= 0 and page(first) not in {page(c) for c in kept}:
            kept[place] = first
            place -= 1
    return kept


LITERALS = 3  # of one question, at most
OWNED = 0.8  # share of a word's passages that makes it a file's name


def literal_search(store: DocumentStore, library: Library, query: str) -> list[tuple[int, bool]]:
    """Passages that hold the question's options, variables and addresses as written,
    each with whether it defines one: those that do first, then by BM25 of the whole
    question."""
    rest = store.keyword_expression(LITERAL.sub(" ", query))
    found: dict[int, tuple[bool, float]] = {}
    for literal in literals(query)[:LITERALS]:
        phrase = '"' + " ".join(re.findall(r"\w+", literal)).lower() + '"'
        expression = f"{phrase} AND ({rest})" if rest else phrase
        ranked = store.matches(library, expression, CANDIDATES * 4)
        texts = store.chunks(library, [c for c, _ in ranked])
        # A line of its own (with its argument, or its other spellings after a comma)
        # defines it: an option list, a list of variables.
        defined = re.compile(
            rf"(?m)^\W{{0,2}}{re.escape(literal)}(?:[ =\[][A-Z_\[\]=.]*)?\W{{0,2}}(?:,.*)?$"
        )
        for chunk_id, bm25 in ranked:
            stored = texts.get(chunk_id)
            if stored is not None and stands_in(literal, stored.text):
                defines = defined.search(stored.text) is not None
                was = found.get(chunk_id, (False, 0.0))
                found[chunk_id] = (defines or was[0], min(bm25, was[1]))
    order = sorted(found.items(), key=lambda kv: (not kv[1][0], kv[1][1]))[:CANDIDATES]
    return [(chunk_id, defines) for chunk_id, (defines, _) in order]


def owner(store: DocumentStore, library: Library) -> Owned:
    """Whether nearly all (``OWNED``) of the library's passages that hold a word are
    those of the given files: the word is theirs ("sed" in a library of manuals). In a
    large index the share is taken over the store's match budget of passages."""

    def owned(word: str, files: frozenset[int]) -> bool:
        holders = store.holders(library, word)
        total = sum(holders.values())
        return total > 0 and sum(holders.get(f, 0) for f in files) >= OWNED * total

    return owned


def _words(text: str) -> set[str]:
    return {w for w in (m.group().lower() for m in _WORD.finditer(text)) if not w.isdigit()}


@dataclass(frozen=True)
class FileNames:
    """The words of a library's file names and titles, each with the files it names:
    built once per change of the library, so a question's lookup is a few dict reads."""

    files: dict[str, frozenset[int]]
    count: int

    @classmethod
    def of(cls, records: Iterable[FileRecord]) -> FileNames:
        by_word: dict[str, set[int]] = {}
        count = 0
        for f in records:
            count += 1
            for word in (_words(Path(f.path).stem) | _words(f.title or "")) - _GENERIC:
                by_word.setdefault(word, set()).add(f.id)
        return cls({w: frozenset(ids) for w, ids in by_word.items()}, count)

    def named(self, query: str, owned: Owned | None = None) -> set[int]:
        """The files ``query`` names by a capitalised word of their title or file name
        that few other files share ("under the MPL", "in the Smith lease"): the user
        means those. A lower-case word names a file only where the library's passages
        that hold it are nearly all that file's (``owned``): "in sed" names the sed
        manual, while "what does it say about termination" is no reference to
        "Termination letter.pdf" when every contract speaks of termination."""
        if self.count < 2:
            return set()
        asked = {m.group().lower() for m in _WORD.finditer(query) if m.group()[0].isupper()}
        asked |= {w[:-1] for w in asked if w.endswith("s")}  # "the Leases" names the leases
        if owned is not None:
            lower = {m.group() for m in _WORD.finditer(query) if m.group().islower()}
            asked |= {w for w in lower - asked if w in self.files and owned(w, self.files[w])}
        said = [self.files[w] for w in asked if w in self.files]
        said = [ids for ids in said if len(ids) <= max(1, self.count // 3)]
        if not said:
            return set()
        rarest = min(len(ids) for ids in said)  # "the Smith lease": Smith's, not every lease
        return set().union(*(ids for ids in said if len(ids) == rarest))
