"""Which embedder runs a model: OpenVINO by default, torch when asked or when OpenVINO
cannot take the model."""

from __future__ import annotations

import os

from hushdesk.errors import DocumentError
from hushdesk.library.embedder import Embedder, SentenceEmbedder
from hushdesk.library.openvino_embedder import OpenVINOEmbedder

BACKEND_ENV = "HUSHDESK_EMBEDDING_BACKEND"
BACKENDS = ("openvino-int8", "openvino", "torch")


def make_embedder(model_path: str, name: str, backend: str | None = None) -> Embedder:
    """The embedder for a model folder: OpenVINO with 8-bit integers by default (indexing
    several times as fast as torch at the same hit@5, bench/ingest.py), ``openvino`` in
    floating point, or ``torch`` as sentence-transformers runs it. The environment
    variable ``HUSHDESK_EMBEDDING_BACKEND`` chooses for troubleshooting and benchmarks."""
    backend = backend or os.environ.get(BACKEND_ENV) or BACKENDS[0]
    if backend not in BACKENDS:
        raise DocumentError(
            f"Unknown embedding back end {backend!r} ({BACKEND_ENV}): use one of "
            + ", ".join(BACKENDS)
        )

    def torch_embedder() -> Embedder:
        return SentenceEmbedder(model_path, name)

    if backend == "torch":
        return torch_embedder()
    return OpenVINOEmbedder(
        model_path, name, fallback=torch_embedder, quantize=backend == "openvino-int8"
    )
