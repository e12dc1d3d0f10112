"""The document store's vectors: each passage's embedding and how the vector index
grouped them, kept with the passages so the index is rebuilt from the store."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        matrix = np.ascontiguousarray(vectors, dtype="<f4")
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (chunk_id, library_id, vector) VALUES (?, ?, ?)",
                [(i, library.id, row.tobytes()) for i, row in zip(ids, matrix, strict=True)],
            )

    def vectors_version(self, library: Library) -> int:
        rows = self._rows("SELECT vectors_version FROM libraries WHERE id = ?", (library.id,))
        return int(rows[0][0]) if rows else -1

    def vectors(self, library: Library, ids: Sequence[int]) -> tuple[list[int], np.ndarray]:
        """(chunk ids, one float32 row each) of ``ids`` in the library (all of its
        vectors: ``vector_pages``)."""
        rows = self._rows(
            "SELECT chunk_id, vector FROM vectors WHERE library_id = ? "
            "AND chunk_id IN (SELECT value FROM json_each(?)) ORDER BY chunk_id",
            (library.id, json.dumps(list(ids))),
        )
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4")
        return [int(r[0]) for r in rows], matrix.reshape(len(rows), -1).astype(np.float32)

    def vector_count(self, library: Library) -> int:
        rows = self._rows("SELECT count(*) FROM vectors WHERE library_id = ?", (library.id,))
        return int(rows[0][0])

    def vector_pages(
        self, library: Library, size: int = 20_000
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        """The library's vectors as ``vectors`` gives them, ``size`` at a time: the store
        is free for other work between pages (a million take half a minute to read)."""
        after = -1
        while True:
            rows = self._rows(
                "SELECT chunk_id, vector FROM vectors WHERE library_id = ? AND chunk_id > ? "
                "ORDER BY chunk_id LIMIT ?",
                (library.id, after, size),
            )
            if not rows:
                return
            matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4")
            yield [int(r[0]) for r in rows], matrix.reshape(len(rows), -1)
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
