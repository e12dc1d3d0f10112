"""The document store's vectors: each passage's embedding and how the vector index
grouped them, kept with the passages so the index is rebuilt from the store.

A vector is stored scaled to length 1 as float16 (``half`` = 1): the index ranks by
cosine alone, and half the bytes read half as long from SQLCipher (with index.py's
reading into place, a million 384-dimension rows reopen in 7.4 s instead of 13.6 s:
bench/retrieve.py --chunks 1000000), with a rounding far below what moves a ranking
(~1e-3 of a component). Rows written by older
versions are float32 (``half`` = 0) and read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hushdesk.sqlitedb import Database

if TYPE_CHECKING:
    from hushdesk.library.records import Library


@dataclass(frozen=True)
class Grouping:
    """How index.py grouped a library's vectors (see ``vector_groups``)."""

    centres: np.ndarray  # (groups, dimensions) float32
    chunk_ids: np.ndarray  # ascending int64
    groups: np.ndarray  # int32, one per chunk id


class VectorRows(Database):
    """The vectors of ``DocumentStore`` (its tables ``vectors`` and ``vector_groups``)."""

    def put_vectors(self, library: Library, ids: Sequence[int], vectors: np.ndarray) -> None:
        matrix = np.ascontiguousarray(unit(vectors), dtype="<f2")
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (chunk_id, library_id, vector, half) "
                "VALUES (?, ?, ?, 1)",
                [(i, library.id, row.tobytes()) for i, row in zip(ids, matrix, strict=True)],
            )

    def vectors_version(self, library: Library) -> int:
        rows = self._rows("SELECT vectors_version FROM libraries WHERE id = ?", (library.id,))
        return int(rows[0][0]) if rows else -1

    def vectors(self, library: Library, ids: Sequence[int]) -> tuple[list[int], np.ndarray]:
        """(chunk ids, one float32 row each) of ``ids`` in the library (all of its
        vectors: ``vector_pages``)."""
        rows = self._rows(
            "SELECT chunk_id, vector, half FROM vectors WHERE library_id = ? "
            "AND chunk_id IN (SELECT value FROM json_each(?)) ORDER BY chunk_id",
            (library.id, json.dumps(list(ids))),
        )
        found, matrix = _decode(rows)
        return found, matrix.astype(np.float32)

    def vector_ids(self, library: Library) -> np.ndarray:
        """The library's chunk ids that have a vector, ascending (read from the index on
        ``library_id`` alone: no vector is read)."""
        rows = self._rows(
            "SELECT chunk_id FROM vectors WHERE library_id = ? ORDER BY chunk_id", (library.id,)
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def vector_pages(
        self, library: Library, size: int = 20_000
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        """The library's vectors as ``vectors`` gives them, ``size`` at a time, but as
        stored: float16 rows are already of length 1. The store is free for other work
        between pages (a million take seconds to read)."""
        after = -1
        while True:
            rows = self._rows(
                "SELECT chunk_id, vector, half FROM vectors WHERE library_id = ? "
                "AND chunk_id > ? ORDER BY chunk_id LIMIT ?",
                (library.id, after, size),
            )
            if not rows:
                return
            yield _decode(rows)
            after = int(rows[-1][0])

    def drop_vectors(self, library: Library) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM vectors WHERE library_id = ?", (library.id,))
            db.execute("DELETE FROM vector_groups WHERE library_id = ?", (library.id,))

    def grouping(self, library: Library) -> Grouping | None:
        rows = self._rows(
            "SELECT dimensions, centres, chunk_ids, groups FROM vector_groups WHERE library_id = ?",
            (library.id,),
        )
        if not rows:
            return None
        width = int(rows[0][0])
        centres, ids, groups = (
            np.frombuffer(bytes(blob), dtype=kind)
            for blob, kind in zip(rows[0][1:], ("<f4", "<i8", "<i4"), strict=True)
        )
        if width < 1 or len(centres) % width or len(ids) != len(groups):
            return None  # not as it was written: the library is grouped again
        return Grouping(
            centres.reshape(-1, width).astype(np.float32),
            ids.astype(np.int64),
            groups.astype(np.int32),
        )

    def put_grouping(self, library: Library, grouping: Grouping) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO vector_groups "
                "(library_id, dimensions, centres, chunk_ids, groups) VALUES (?, ?, ?, ?, ?)",
                (
                    library.id,
                    grouping.centres.shape[1],
                    np.ascontiguousarray(grouping.centres, dtype="<f4").tobytes(),
                    np.ascontiguousarray(grouping.chunk_ids, dtype="<i8").tobytes(),
                    np.ascontiguousarray(grouping.groups, dtype="<i4").tobytes(),
                ),
            )


def unit(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1, as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.size == 0:
        return matrix
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    scaled: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return scaled


def _decode(rows: Sequence[Any]) -> tuple[list[int], np.ndarray]:
    """(chunk ids, rows) of ``(chunk_id, vector, half)`` rows: float16 when all are,
    else float32; all of the first row's width (a row of another, written by an
    embedding model being replaced, is left out)."""
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    kinds = {(r[2], len(r[1])) for r in rows}
    if len(kinds) == 1:  # the common case: one kind and width, read at once
        half = kinds.pop()[0]
        flat = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2" if half else "<f4")
        return [r[0] for r in rows], flat.reshape(len(rows), -1)
    each = [np.frombuffer(r[1], dtype="<f2" if r[2] else "<f4") for r in rows]
    kept = [i for i, row in enumerate(each) if len(row) == len(each[0])]
    return [rows[i][0] for i in kept], np.vstack([each[i] for i in kept]).astype(np.float32)
