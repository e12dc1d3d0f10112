"""Retrieval: a question's passages from a library, vector and keyword search fused
by reciprocal rank, with the similarity that decides whether to abstain."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hushdesk.library.index import VectorIndex
from hushdesk.library.store import DocumentStore, FileRecord, Library, StoredChunk

RRF_K = 60
CANDIDATES = 40


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


def fused_search(
    store: DocumentStore,
    index: VectorIndex,
    library: Library,
    query: str,
    vector: np.ndarray,
    *,
    k: int,
    relevance_floor: float,
) -> SearchResult:
    """The ``k`` best passages of the library's indexed files for ``query`` (embedded as
    ``vector``); abstains when the closest is less similar than ``relevance_floor``."""
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
    return SearchResult(hits, abstain=not hits or best < relevance_floor, best_similarity=best)
