"""The vector index: one Chroma collection per library, holding chunk ids and vectors.

Telemetry is off and Chroma's own embedding function is never used (it would download
a model): vectors always come from our embedder. Everything here can be rebuilt from
the document store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hushdesk import paths
from hushdesk.errors import StoreError
from hushdesk.library.store import Library

log = logging.getLogger("hushdesk.library")


class VectorIndex:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.data_dir() / "vectors"
        self._client: Any = None
        self._lock = threading.Lock()

    def _collection(self, library: Library) -> Any:
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings

                try:
                    self._client = chromadb.PersistentClient(
                        path=str(self.folder),
                        settings=Settings(anonymized_telemetry=False, allow_reset=True),
                    )
                except Exception as exc:
                    raise StoreError(f"The search index could not be opened ({exc}).") from exc
            return self._client.get_or_create_collection(
                f"library-{library.id}",
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )

    def upsert(self, library: Library, ids: Sequence[int], vectors: np.ndarray,
               file_ids: Sequence[int]) -> None:  # fmt: skip
        if not ids:
            return
        self._collection(library).upsert(
            ids=[str(i) for i in ids],
            embeddings=vectors,
            metadatas=[{"file_id": f} for f in file_ids],
        )

    def delete(self, library: Library, ids: Sequence[int]) -> None:
        if ids:
            self._collection(library).delete(ids=[str(i) for i in ids])

    def query(self, library: Library, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), most similar first."""
        collection = self._collection(library)
        count = collection.count()
        if not count:
            return []
        result = collection.query(query_embeddings=vector.reshape(1, -1),
                                  n_results=min(n, count), include=["distances"])  # fmt: skip
        pairs = zip(result["ids"][0], result["distances"][0], strict=True)
        return [(int(i), 1.0 - float(d)) for i, d in pairs]

    def count(self, library: Library) -> int:
        return int(self._collection(library).count())

    def drop(self, library: Library) -> None:
        with self._lock:
            if self._client is None:
                return
        try:
            self._client.delete_collection(f"library-{library.id}")
        except Exception:
            log.info("no index to drop for %s", library.name)
