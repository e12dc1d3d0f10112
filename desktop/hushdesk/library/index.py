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

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hushdesk.library.store import DocumentStore, Library
from hushdesk.library.vector_rows import Grouping
from hushdesk.library.vector_rows import unit as unit_rows

LISTS_FROM = 200_000  # below: exact (bench/retrieve.py, 100k: the whole search's p95 26 ms)
PROBE_SHARE = 1 / 8  # the share of the groups a search reads (see the docstring)
SAMPLE_PER_LIST = 32  # k-means trains on this many rows per group
ROUNDS = 8  # k-means rounds
BLOCK = 32_768  # rows scored against the centres at a time (memory stays small)


@dataclass(frozen=True)
class _Lists:
    centres: np.ndarray  # (groups, dimensions), unit length
    bounds: np.ndarray  # rows of group g: unit[bounds[g]:bounds[g + 1]]; then the new rows
    probe: int  # groups read by a search (and the new rows, always)


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
        ids = self.store.vector_ids(library)
        if len(ids) < self.lists_from:
            found, unit = self._read(library, ids, np.arange(len(ids)))
            return _Loaded(version, found, unit, None)
        saved = self.store.grouping(library)
        width = self.store.vectors(library, ids[:1].tolist())[1].shape[1]
        if saved is None or not _fits(saved, len(ids), width):
            # Grouped anew from the rows in chunk order; then read again into their
            # groups' order, so that no second copy of a million rows is ever held.
            found, unit = self._read(library, ids, np.arange(len(ids)))
            kept = found >= 0
            rows = unit if kept.all() else unit[kept]  # a copy only if rows went meanwhile
            centres = _centres(rows, _wanted(len(rows)))
            saved = Grouping(centres, found[kept], _nearest(rows, centres))
            del unit, rows
            self.store.put_grouping(library, saved)
        placed = _place(ids, saved)
        found, unit = self._read(library, ids, placed.position)
        if placed.known < len(ids):  # new since the grouping: read by every search until grouped
            groups = placed.groups.copy()
            groups[placed.position >= placed.known] = _nearest(unit[placed.known :], saved.centres)
            self.store.put_grouping(library, Grouping(saved.centres, ids, groups))
        lists = _Lists(saved.centres, placed.bounds, probe(saved.centres))
        return _Loaded(version, found, unit, lists)

    def _read(
        self, library: Library, ids: np.ndarray, position: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of ``ids`` (ascending), each row at its ``position``, scaled to
        length 1; and the ids in that order, -1 where a row was removed meanwhile (a
        row added meanwhile waits for the next load: the version has moved)."""
        found = np.full(len(ids), -1, dtype=np.int64)
        unit = np.zeros((0, 0), dtype=np.float32)
        if not len(ids):
            return found, unit
        for page_ids, page in self.store.vector_pages(library):
            if not unit.size:
                unit = np.zeros((len(ids), page.shape[1]), dtype=np.float32)
            if page.shape[1] != unit.shape[1]:
                continue  # another model's rows, being replaced: the version will move
            wanted = np.asarray(page_ids, dtype=np.int64)
            at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
            known = ids[at] == wanted
            rows = position[at[known]]
            # float16 rows are stored at length 1 (and widened as they are copied in)
            unit[rows] = page[known] if page.dtype == np.float16 else unit_rows(page[known])
            found[rows] = wanted[known]
        return found, unit

    def upsert(self, library: Library, ids: Sequence[int], vectors: np.ndarray) -> None:
        if ids:
            self.store.put_vectors(library, ids, vectors)

    def query(self, library: Library, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), most similar first."""
        loaded = self._matrix(library)
        if not len(loaded.ids) or loaded.unit.shape[1] != vector.shape[-1]:
            return []
        question = unit_rows(vector.reshape(1, -1))[0]
        if loaded.lists is None:
            rows = np.arange(len(loaded.ids))
            scores = loaded.unit @ question
        else:
            lists = loaded.lists
            near = np.argpartition(-(lists.centres @ question), lists.probe - 1)[: lists.probe]
            new = len(lists.centres)  # the span of the rows not yet grouped
            spans = [(int(lists.bounds[g]), int(lists.bounds[g + 1])) for g in (*near, new)]
            rows = np.concatenate([np.arange(a, b) for a, b in spans])
            scores = np.concatenate([loaded.unit[a:b] @ question for a, b in spans])
        n = min(n, len(scores))
        if n == 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        found = [(int(loaded.ids[rows[i]]), float(scores[i])) for i in best]
        return [(i, score) for i, score in found if i >= 0]  # -1: removed while loading

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
        scores = unit_rows(matrix) @ unit_rows(vector.reshape(1, -1))[0]
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


def probe(centres: np.ndarray) -> int:
    """How many of the groups around ``centres`` a search reads (``PROBE_SHARE``)."""
    return max(1, min(len(centres), round(len(centres) * PROBE_SHARE)))


def _wanted(rows: int) -> int:
    return max(1, round(math.sqrt(rows)))


def _fits(saved: Grouping, rows: int, width: int) -> bool:
    """Whether a saved grouping still suits a library of ``rows`` vectors of ``width``:
    its centres within 2x of √rows (the library grew or shrank at most 4x since). Rows
    it knows keep their group and only new rows are placed (grouping a million rows
    anew costs more than reading them)."""
    wanted = _wanted(rows)
    return (
        saved.centres.shape[1] == width
        and wanted / 2 <= len(saved.centres) <= wanted * 2
        and len(saved.chunk_ids) > 0
        and int(saved.groups.max(initial=0)) < len(saved.centres)
    )


@dataclass(frozen=True)
class _Placement:
    position: np.ndarray  # the row of each id (ids ascending) in the loaded matrix
    groups: np.ndarray  # the group of each id the grouping knows (0 for the others)
    bounds: np.ndarray  # rows of group g: bounds[g]:bounds[g + 1]; the last span: new rows
    known: int  # rows in groups; the rows after them are new


def _place(ids: np.ndarray, saved: Grouping) -> _Placement:
    """Where each row goes, before any is read: the rows the grouping knows together by
    group, the new ones after them."""
    at = np.minimum(np.searchsorted(saved.chunk_ids, ids), len(saved.chunk_ids) - 1)
    known = saved.chunk_ids[at] == ids
    groups = np.zeros(len(ids), dtype=np.int32)
    groups[known] = saved.groups[at[known]]
    count = len(saved.centres)
    order = np.argsort(np.where(known, groups, count), kind="stable")
    position = np.empty(len(ids), dtype=np.int64)
    position[order] = np.arange(len(ids))
    held = int(known.sum())
    starts = np.searchsorted(groups[order][:held], np.arange(count + 1))
    return _Placement(position, groups, np.append(starts, len(ids)), held)


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
        centres = unit_rows(sums)
    return centres


def _nearest(rows: np.ndarray, centres: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.int32)
    for start in range(0, len(rows), BLOCK):
        out[start : start + BLOCK] = np.argmax(rows[start : start + BLOCK] @ centres.T, axis=1)
    return out
