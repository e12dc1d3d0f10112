"""The vector index: one Chroma collection per library, holding chunk ids and vectors.

Telemetry is off and Chroma's own embedding function is never used (it would download
a model): vectors always come from our embedder. Everything here can be rebuilt from
the document store.

Chroma keeps each collection's vector graph in memory and does not notice another
process's writes (the app stays open while ``hushdesk ingest`` runs). So every write
leaves a fresh token in a file beside the index; a process that finds a token it did
not write reopens Chroma before using it. What is on disk is never lost either way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hushdesk import paths
from hushdesk.errors import StoreError
from hushdesk.fsutil import atomic_write_text
from hushdesk.library.store import Library

log = logging.getLogger("hushdesk.library")


class VectorIndex:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.vectors_dir()
        self._client: Any = None
        self._lock = threading.RLock()  # held around every use of Chroma (see _using)
        self._token_file = self.folder.with_name(self.folder.name + ".written")
        self._seen = ""  # the last write token this process wrote or caught up with

    def _token(self) -> str:
        try:
            return self._token_file.read_text(encoding="utf-8")
        except OSError:
            return ""

    def _wrote(self) -> None:
        self._seen = f"{os.getpid()}-{time.time_ns()}"
        try:
            atomic_write_text(self._token_file, self._seen)
        except OSError as exc:
            log.warning("could not record an index write: %s", exc)

    def _client_api(self) -> Any:
        with self._lock:
            token = self._token()
            if self._client is not None and token != self._seen:
                log.info("the index was changed by another process: reopening it")
                client, self._client = self._client, None
                client.close()  # the last client of a path stops its system, so all is reread
            self._seen = token
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
            raise StoreError(
                f"The search index of {library.name} could not be opened ({exc}). "
                "Rebuilding the library's index repairs it."
            ) from exc

    @contextlib.contextmanager
    def _using(self, library: Library, *, writing: bool = False) -> Iterator[Any]:
        """The library's collection, held so that no other thread reopens Chroma under it;
        a write leaves a new token (also after a failed write, which may have written part)."""
        with self._lock:
            collection = self._collection(library)
            try:
                yield collection
            finally:
                if writing:
                    self._wrote()

    def upsert(
        self, library: Library, ids: Sequence[int], vectors: np.ndarray, file_ids: Sequence[int]
    ) -> None:
        if not ids:
            return
        try:
            with self._using(library, writing=True) as collection:
                collection.upsert(
                    ids=[str(i) for i in ids],
                    embeddings=vectors,
                    metadatas=[{"file_id": f} for f in file_ids],
                )
        except StoreError:
            raise
        except Exception as exc:  # e.g. vectors of another size after a model change
            raise StoreError(
                f"The search index rejected new passages ({exc}). Rebuild the library's index."
            ) from exc

    def similarities(
        self, library: Library, ids: Sequence[int], vector: np.ndarray
    ) -> dict[int, float]:
        """Cosine similarity of ``vector`` to the stored vectors of ``ids`` (for passages
        found by keyword only)."""
        if not ids:
            return {}
        with self._using(library) as collection:
            got = collection.get(ids=[str(i) for i in ids], include=["embeddings"])
        stored = got.get("embeddings")
        if stored is None or len(stored) == 0:
            return {}
        matrix = np.asarray(stored, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(vector)) + 1e-9
        scores = matrix @ vector / norms
        return {int(i): float(v) for i, v in zip(got["ids"], scores, strict=True)}

    def delete(self, library: Library, ids: Sequence[int]) -> None:
        if ids:
            with self._using(library, writing=True) as collection:
                collection.delete(ids=[str(i) for i in ids])

    def query(self, library: Library, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), most similar first."""
        with self._using(library) as collection:
            count = collection.count()
            if not count:
                return []
            result = collection.query(
                query_embeddings=vector.reshape(1, -1),
                n_results=min(n, count),
                include=["distances"],
            )
        pairs = zip(result["ids"][0], result["distances"][0], strict=True)
        return [(int(i), 1.0 - float(d)) for i, d in pairs]

    def count(self, library: Library) -> int:
        with self._using(library) as collection:
            return int(collection.count())

    def drop(self, library: Library) -> None:
        with self._lock:
            try:
                self._client_api().delete_collection(f"library-{library.id}")
            except StoreError:
                raise
            except Exception:
                log.info("no index to drop for %s", library.name)
            finally:
                self._wrote()
