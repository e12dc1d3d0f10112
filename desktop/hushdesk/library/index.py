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

    def _client_api(self) -> Any:
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
            return self._client

    def _collection(self, library: Library) -> Any:
        try:
            return self._client_api().get_or_create_collection(
                f"library-{library.id}",
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"The search index of {library.name} could not be opened ({exc}). "
                             "Rebuilding the library's index repairs it.") from exc  # fmt: skip

    def upsert(self, library: Library, ids: Sequence[int], vectors: np.ndarray,
               file_ids: Sequence[int]) -> None:  # fmt: skip
        if not ids:
            return
        try:
            self._collection(library).upsert(
                ids=[str(i) for i in ids],
                embeddings=vectors,
                metadatas=[{"file_id": f} for f in file_ids],
            )
        except StoreError:
            raise
        except Exception as exc:  # e.g. vectors of another size after a model change
            raise StoreError(f"The search index rejected new passages ({exc}). Rebuild the "
                             "library's index.") from exc  # fmt: skip

    def similarities(self, library: Library, ids: Sequence[int], vector: np.ndarray
                     ) -> dict[int, float]:  # fmt: skip
        """Cosine similarity of ``vector`` to the stored vectors of ``ids`` (for passages
        found by keyword only)."""
        if not ids:
            return {}
        got = self._collection(library).get(ids=[str(i) for i in ids], include=["embeddings"])
        stored = got.get("embeddings")
        if stored is None or len(stored) == 0:
            return {}
        matrix = np.asarray(stored, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(vector)) + 1e-9
        scores = matrix @ vector / norms
        return {int(i): float(v) for i, v in zip(got["ids"], scores, strict=True)}

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
        try:
            self._client_api().delete_collection(f"library-{library.id}")
        except StoreError:
            raise
        except Exception:
            log.info("no index to drop for %s", library.name)
