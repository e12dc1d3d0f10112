"""The vector index: cosine search over a library's vectors, held in memory.

The vectors are kept in the document store (so they are encrypted with it: embeddings
can be partly turned back into text) and loaded into one normalised matrix per library
at its first search, a page at a time (the store stays free for other work). A store
version, bumped by every vector write of any process, tells when that copy is stale
(the app stays open while ``hushdesk ingest`` runs). Loading them and an exact dot
product answer the first search after unlocking far sooner than rebuilding Chroma's
HNSW graph in memory did (bench/crypto.py).

Up to ``LISTS_FROM`` vectors a search reads them all (exact). Past it, the rows are
grouped around √n centres found by k-means on a sample (an inverted-file index), and a
search reads only the groups whose centres are nearest the question's (``PROBE_SHARE``
of them): an eighth of the rows, which still finds most of the exact search's top 10
(bench/retrieve.py --recall) while an exact scan of a million would be the slowest part
of a search (bench/retrieve.py --chunks 1000000). The grouping is kept in the store, so
a library loaded again only places its new rows. Figures: docs/benchmarks.md and
docs/ARCHITECTURE.md (Choices).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hushdesk.library.store import DocumentStore, Library
from hushdesk.library.vector_rows import Grouping

LISTS_FROM = 200_000  # below: exact (bench/retrieve.py, 100k: the whole search's p95 26 ms)
PROBE_SHARE = 1 / 8  # the share of the groups a search reads (see the docstring)
SAMPLE_PER_LIST = 32  # k-means trains on this many rows per group
ROUNDS = 8  # k-means rounds
BLOCK = 32_768  # rows scored against the centres at a time (memory stays small)


@dataclass(frozen=True)
class _Lists:
    centres: np.ndarray  # (groups, dimensions), unit length
    bounds: np.ndarray  # rows of group g: unit[bounds[g]:bounds[g + 1]]
    probe: int  # groups read by a search


@dataclass(frozen=True)
class _Loaded:
    version: int
    ids: np.ndarray
    unit: np.ndarray  # rows scaled to length 1 (grouped when ``lists`` is set)
    lists: _Lists | None


class VectorIndex:
    def __init__(self, store: DocumentStore, *, lists_from: int = LISTS_FROM) -> None:
        self.store = store
        self.lists_from = lists_from
        self._loaded: dict[int, _Loaded] = {}
        self._lock = threading.Lock()
        # One lock per library: a million rows load for half a minute without holding up
        # a search of another library.
        self._loading: dict[int, threading.Lock] = {}

    def _matrix(self, library: Library) -> _Loaded:
        version = self.store.vectors_version(library)
        with self._lock:
            lock = self._loading.setdefault(library.id, threading.Lock())
        with lock:
            loaded = self._loaded.get(library.id)
            if loaded is None or loaded.version != version:
                self._loaded.pop(library.id, None)  # the stale copy's memory goes first
                loaded = self._load(library, version)
                self._loaded[library.id] = loaded
            return loaded

    def _load(self, library: Library, version: int) -> _Loaded:
        count = self.store.vector_count(library)
        ids = np.zeros(count, dtype=np.int64)
        unit = np.zeros((0, 0), dtype=np.float32)
        filled = 0
        for page_ids, page in self.store.vector_pages(library):
            take = min(len(page_ids), count - filled)  # rows written since the count wait
            if unit.shape[1] != page.shape[1]:
                unit = np.zeros((count, page.shape[1]), dtype=np.float32)
            ids[filled : filled + take] = page_ids[:take]
            unit[filled : filled + take] = _unit(page[:take])
            filled += take
        ids, unit = ids[:filled], unit[:filled]
        if filled < self.lists_from:
            return _Loaded(version, ids, unit, None)
        grouping, changed = _grouping(ids, unit, self.store.grouping(library))
        if changed:
            self.store.put_grouping(library, grouping)
        order, lists = _arrange(grouping)
        return _Loaded(version, ids[order], unit[order], lists)

    def upsert(self, library: Library, ids: Sequence[int], vectors: np.ndarray) -> None:
        if ids:
            self.store.put_vectors(library, ids, vectors)

    def query(self, library: Library, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), most similar first."""
        loaded = self._matrix(library)
        if not len(loaded.ids) or loaded.unit.shape[1] != vector.shape[-1]:
            return []
        question = _unit(vector.reshape(1, -1))[0]
        if loaded.lists is None:
            rows = np.arange(len(loaded.ids))
            scores = loaded.unit @ question
        else:
            lists = loaded.lists
            near = np.argpartition(-(lists.centres @ question), lists.probe - 1)[: lists.probe]
            spans = [(int(lists.bounds[g]), int(lists.bounds[g + 1])) for g in near]
            rows = np.concatenate([np.arange(a, b) for a, b in spans])
            scores = np.concatenate([loaded.unit[a:b] @ question for a, b in spans])
        n = min(n, len(scores))
        if n == 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(loaded.ids[rows[i]]), float(scores[i])) for i in best]

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

    def memory(self, library: Library) -> int:
        """Bytes the library's loaded vectors take (0 before its first search)."""
        loaded = self._loaded.get(library.id)
        if loaded is None:
            return 0
        extra = loaded.lists.centres.nbytes + loaded.lists.bounds.nbytes if loaded.lists else 0
        return int(loaded.unit.nbytes + loaded.ids.nbytes + extra)

    def drop(self, library: Library) -> None:
        self.store.drop_vectors(library)
        self._loaded.pop(library.id, None)


def _grouping(ids: np.ndarray, unit: np.ndarray, saved: Grouping | None) -> tuple[Grouping, bool]:
    """The rows' groups, and whether they differ from ``saved``. The saved grouping is
    kept while its centres still suit the library's size (within 4x of it): rows it
    knows keep their group and only new rows are placed (grouping a million rows anew
    costs more than loading them). Otherwise the centres are found anew."""
    wanted = max(1, round(len(unit) ** 0.5))
    fits = (
        saved is not None
        and saved.centres.shape[1] == unit.shape[1]
        and wanted / 2 <= len(saved.centres) <= wanted * 2
        and len(saved.chunk_ids) > 0
        and int(saved.groups.max(initial=0)) < len(saved.centres)
    )
    if saved is None or not fits:
        centres = _centres(unit, wanted)
        return Grouping(centres, ids, _nearest(unit, centres)), True
    at = np.minimum(np.searchsorted(saved.chunk_ids, ids), len(saved.chunk_ids) - 1)
    known = saved.chunk_ids[at] == ids
    groups = np.empty(len(ids), dtype=np.int32)
    groups[known] = saved.groups[at[known]]
    fresh = ~known
    if fresh.any():
        groups[fresh] = _nearest(unit[fresh], saved.centres)
    changed = bool(fresh.any()) or len(saved.chunk_ids) != len(ids)
    return Grouping(saved.centres, ids, groups), changed


def _arrange(grouping: Grouping) -> tuple[np.ndarray, _Lists]:
    """The row order that puts each group together, and the groups."""
    order = np.argsort(grouping.groups, kind="stable")
    count = len(grouping.centres)
    bounds = np.searchsorted(grouping.groups[order], np.arange(count + 1))
    probe = max(1, min(count, round(count * PROBE_SHARE)))
    return order, _Lists(grouping.centres, bounds, probe)


def _centres(unit: np.ndarray, groups: int) -> np.ndarray:
    """Spherical k-means on a sample: ``groups`` unit-length centres."""
    rng = np.random.default_rng(0)  # the same groups for the same vectors
    size = min(len(unit), groups * SAMPLE_PER_LIST)
    sample = unit[np.sort(rng.choice(len(unit), size, replace=False))]
    centres = sample[rng.choice(len(sample), groups, replace=False)]
    for _ in range(ROUNDS):
        nearest = _nearest(sample, centres)
        counts = np.bincount(nearest, minlength=groups)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        held = counts > 0
        sums = np.zeros_like(centres)
        by_group = sample[np.argsort(nearest, kind="stable")]
        sums[held] = np.add.reduceat(by_group, starts[held], axis=0)
        empty = ~held  # an empty group restarts at a random sample row
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()), replace=False)]
        centres = _unit(sums)
    return centres


def _nearest(rows: np.ndarray, centres: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.int32)
    for start in range(0, len(rows), BLOCK):
        out[start : start + BLOCK] = np.argmax(rows[start : start + BLOCK] @ centres.T, axis=1)
    return out


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.size == 0:
        return matrix
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return unit
