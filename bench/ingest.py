"""Ingestion throughput against its ceiling: embedding the same chunks, nothing else.

    .venv/bin/python bench/ingest.py

A 120-page text PDF (generated, varied sentences) goes through the whole pipeline —
hash, read in a child process, chunk, store, embed, index — on a fresh library; then
the same chunks are embedded alone with the same embedder. The model is loaded before
either is timed.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()
os.environ.setdefault("HUSHDESK_HOME", tempfile.mkdtemp(prefix="hushdesk-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.documents import pdf  # noqa: E402

from hushdesk.library.libraries import EMBED_BATCH, DocumentLibrary  # noqa: E402
from hushdesk.library.store import DocumentStore  # noqa: E402
from hushdesk.models import bundled  # noqa: E402
from hushdesk.models.registry import Registry  # noqa: E402

PAGES = 120
WORDS = [
    "agreement",
    "party",
    "notice",
    "payment",
    "invoice",
    "tenant",
    "landlord",
    "period",
    "service",
    "delivery",
    "schedule",
    "clause",
    "obligation",
    "liability",
    "insurance",
    "premises",
    "contract",
    "termination",
    "renewal",
    "deposit",
    "interest",
    "account",
    "report",
    "audit",
    "review",
]


def page_text(rng: random.Random, number: int) -> str:
    sentences = []
    for _ in range(22):
        words = rng.choices(WORDS, k=rng.randint(8, 16))
        sentences.append(" ".join(words).capitalize() + f" (section {number}).")
    return " ".join(sentences)


def main() -> int:
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-docs-"))
    source = pdf(folder / "report.pdf", [page_text(rng, n) for n in range(1, PAGES + 1)])
    registry = Registry()
    bundled.ensure_registered(registry)
    service = DocumentLibrary(registry, DocumentStore(os.urandom(32)))
    library = service.library("bench")
    embedder = service.embedder(library)
    embedder.embed(["warm up"])  # load the model outside the timings
    service.index.count(library)  # and open the index

    started = time.perf_counter()
    report = service.ingest(library, [source])
    end_to_end = time.perf_counter() - started
    assert report.events[-1].status == "done", report.events[-1]
    record = service.store.file(library, str(source.resolve()))
    assert record is not None
    chunks = [c.text for c in service.store.chunks_of(record.id)]

    started = time.perf_counter()
    for i in range(0, len(chunks), EMBED_BATCH):
        embedder.embed(chunks[i : i + EMBED_BATCH])
    embed_only = time.perf_counter() - started

    print(f"pages: {PAGES}")
    print(f"chunks: {len(chunks)}")
    print(f"embed_only_pages_per_s: {PAGES / embed_only:.1f} pages/s")
    print(f"ingest_pages_per_s: {PAGES / end_to_end:.1f} pages/s")
    print(f"ingest_vs_embed_ratio: {embed_only / end_to_end:.2f} (target >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
