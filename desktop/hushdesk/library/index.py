"""The vector index: exact cosine search over a library's vectors, held in memory.

The vectors are kept in the document store (so they are encrypted with it: embeddings
can be partly turned back into text) and loaded into one normalised matrix per library
at its first search. A store version, bumped by every vector write of any process,
tells when that copy is stale (the app stays open while ``hushdesk ingest`` runs).

bench/crypto.py: unlock → first search answered in 0.35 s at 10k passages (3.8 s at
100k). Rebuilding Chroma's HNSW graph in memory instead took 5 s at 10k and 93 s at
100k in a one-off measurement on the same machine (not a bench). Exact search is also
never less accurate than an approximate one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hushdesk.library.store import DocumentStore, Library


@dataclass(frozen=True)
class _Loaded:
    version: int
    ids: np.ndarray
    unit: np.ndarray  # rows scaled to length 1


class VectorIndex:
    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self._loaded: dict[int, _Loaded] = {}
        self._lock = threading.Lock()

    def _matrix(self, library: Library) -> _Loaded:
        version = self.store.vectors_version(library)
        with self._lock:
            loaded = self._loaded.get(library.id)
            if loaded is None or loaded.version != version:
                ids, matrix = self.store.vectors(library)
                loaded = _Loaded(version, np.asarray(ids, dtype=np.int64), _unit(matrix))
                self._loaded[library.id] = loaded
            return loaded

    def upsert(self, library: Library, ids: Sequence[int], vectors: np.ndarray) -> None:
        if ids:
            self.store.put_vectors(library, ids, vectors)

    def query(self, library: Library, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), most similar first."""
        loaded = self._matrix(library)
        if not len(loaded.ids) or loaded.unit.shape[1] != vector.shape[-1]:
            return []
        scores = loaded.unit @ _unit(vector.reshape(1, -1))[0]
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(loaded.ids[i]), float(scores[i])) for i in best]

    def similarities(
        self, library: Library, ids: Sequence[int], vector: np.ndarray
    ) -> dict[int, float]:
        """Cosine similarity of ``vector`` to the stored vectors of ``ids`` (for passages
        found by keyword only)."""
        if not ids:
            return {}
        found, matrix = self.store.vectors(library, ids)
        if not found or matrix.shape[1] != vector.shape[-1]:
            return {}
        scores = _unit(matrix) @ _unit(vector.reshape(1, -1))[0]
        return {i: float(v) for i, v in zip(found, scores, strict=True)}

    def count(self, library: Library) -> int:
        return len(self._matrix(library).ids)

    def drop(self, library: Library) -> None:
        self.store.drop_vectors(library)
        with self._lock:
            self._loaded.pop(library.id, None)


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.size == 0:
        return matrix
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return unit
