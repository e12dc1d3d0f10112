"""Retrieval: a question's passages from a library, vector and keyword search fused
by reciprocal rank, with the similarity that decides whether to abstain."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hushdesk.library.index import VectorIndex
from hushdesk.library.store import DocumentStore, FileRecord, Library, StoredChunk

RRF_K = 60
CANDIDATES = 40
_WORD = re.compile(r"[^\W_]{3,}")
# Words of file names and titles that name no document in particular.
_GENERIC_WORDS = """the and for with from this that what which about copy final draft version
    scan scanned signed document documents file files page pages pdf docx txt html new old"""
_GENERIC = frozenset(_GENERIC_WORDS.split())


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    file: FileRecord
    score: float  # fused rank score
    similarity: float | None  # cosine similarity of the passage to the question

    @property
    def where(self) -> str:
        unit = "page" if self.file.paginated else "section"
        return f"{self.file.name}, {unit} {self.chunk.page}"


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
    for rank, (chunk_id, _) in enumerate(semantic):
        scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (chunk_id, _) in enumerate(keyword):
        scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    similarity = dict(semantic)
    missing = [c for c, _ in keyword if c not in similarity]
    similarity.update(index.similarities(library, missing, vector))  # keyword-only hits
    chunks = store.chunks(library, list(scores))  # done files of this library only
    named = frozenset(named)
    for chunk_id, stored in chunks.items():
        if stored.file_id in named:
            scores[chunk_id] += 1.0 / (RRF_K + 1)
    files: dict[int, FileRecord | None] = {}
    hits = []
    for chunk_id, score in sorted(scores.items(), key=lambda kv: -kv[1]):
        chunk = chunks.get(chunk_id)
        if chunk is None:
            continue
        if chunk.file_id not in files:
            files[chunk.file_id] = store.file_by_id(chunk.file_id)
        record = files[chunk.file_id]
        if record is not None:
            hits.append(Hit(chunk, record, score, similarity.get(chunk_id)))
        if len(hits) == k:
            break
    best = max((v for c, v in similarity.items() if c in chunks), default=0.0)
    return SearchResult(
        hits, abstain=not hits or best < relevance_floor, best_similarity=best, named=named
    )


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

    def named(self, query: str) -> set[int]:
        """The files ``query`` names by a capitalised word of their title or file name
        that few other files share ("under the MPL", "in the Smith lease"): the user
        means those. Lower-case words name nothing ("what does it say about termination"
        is no reference to "Termination letter.pdf")."""
        if self.count < 2:
            return set()
        asked = {m.group().lower() for m in _WORD.finditer(query) if m.group()[0].isupper()}
        asked |= {w[:-1] for w in asked if w.endswith("s")}  # "the Leases" names the leases
        said = [self.files[w] for w in asked if w in self.files]
        said = [ids for ids in said if len(ids) <= max(1, self.count // 3)]
        if not said:
            return set()
        rarest = min(len(ids) for ids in said)  # "the Smith lease": Smith's, not every lease
        return set().union(*(ids for ids in said if len(ids) == rarest))
