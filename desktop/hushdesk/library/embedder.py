"""Embeddings: a sentence-transformers model folder, loaded lazily, batched; run by
OpenVINO (``openvino_embedder``) or by sentence-transformers on torch."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from hushdesk.errors import DocumentError

log = logging.getLogger("hushdesk.library")


class Embedder(Protocol):
    name: str
    backend: str  # what runs it (set once it is loaded): "torch", "openvino-int8", ...

    @property
    def ready(self) -> bool:
        """Loaded: the next ``embed`` starts at once."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


class SentenceEmbedder:
    """sentence-transformers on torch. Loads the model on first use (torch is slow to
    import): never on the GUI thread."""

    backend = "torch"

    def __init__(
        self, model_path: str, name: str, *, batch_size: int = 32, threads: int | None = None
    ) -> None:
        self.model_path = model_path
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:  # the installers leave torch out
                    raise DocumentError(
                        f"The embedding model {self.name} cannot run on OpenVINO, and this "
                        "installation of Hushdesk has no torch to run it with. Choose "
                        "the bundled embedding model, or install Hushdesk with pip and "
                        "its `torch` extra.",
                        detail=repr(exc),
                    ) from exc

                # All cores: indexing runs on a low-priority thread (see lower_priority),
                # so the chat still gets the CPU when it needs it.
                torch.set_num_threads(self.threads or os.cpu_count() or 1)
                try:
                    self._model = SentenceTransformer(
                        self.model_path, device="cpu", local_files_only=True
                    )
                except Exception as exc:
                    raise DocumentError(
                        f"The embedding model {self.name} could not be loaded: {exc}",
                        detail=repr(exc),
                    ) from exc
            return self._model

    @property
    def ready(self) -> bool:
        return self._model is not None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def lower_priority(niceness: int = 10) -> None:
    """Make the calling thread (and threads it starts later) yield the CPU to the rest
    of the app. Linux has per-thread priorities; elsewhere this does nothing."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        try:
            current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, niceness))
        except OSError:
            log.debug("could not lower the indexing thread's priority")
