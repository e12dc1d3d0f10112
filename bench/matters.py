"""Opening another matter: what the window needs of it loaded — its conversations listed,
its libraries and their vectors in memory — at 10 matters of 10,000 passages each.

    .venv/bin/python bench/matters.py [--matters 10] [--passages 10000]

Each matter's stores are under its own key; the passages are synthetic (the embedding
model is not timed: it is shared by the matters and stays loaded). Every matter is
opened twice, in turn; the target holds for the slowest of all the openings.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()
os.environ.setdefault("HUSHDESK_HOME", tempfile.mkdtemp(prefix="hushdesk-bench-"))

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.keys import TEST_PASSPHRASE, write_private  # noqa: E402

from hushdesk.app import App  # noqa: E402
from hushdesk.library.chunker import Chunk  # noqa: E402
from hushdesk.library.document import LoadedDocument, PageText  # noqa: E402
from measure import median  # noqa: E402

PER_FILE = 1_000
CONVERSATIONS = 50
WORDS = [f"term{i}" for i in range(20_000)] + ["notice", "tenant", "invoice", "escrow"]


def fill(app: App, passages: int, seed: int) -> None:
    """The open matter: a library of ``passages`` synthetic passages with vectors, and
    some conversations."""
    rng = random.Random(seed)
    service, store = app.library, app.library.store
    library = service.store.library("Case files", embedding_model="bench")
    for f in range(max(1, passages // PER_FILE)):
        path = f"/bench/matter-{seed}/file-{f}.pdf"
        file_id = store.queue(library, path, sha256=f"{seed:08x}{f:056x}", size=1, mtime=0)
        batch = [
            Chunk(page=i // 3 + 1, start=0, end=10, text=" ".join(rng.choices(WORDS, k=120)))
            for i in range(PER_FILE)
        ]
        pages = [PageText(n, "") for n in range(1, PER_FILE // 3 + 2)]
        _, ids = store.replace_content(file_id, LoadedDocument("pdf", path, pages), batch)
        vectors = np.random.default_rng(seed * 1000 + f).standard_normal((len(ids), 384))
        service.index.upsert(library, ids, vectors.astype(np.float32))
        store.set_status(file_id, "done")
    for n in range(CONVERSATIONS):
        app.conversations.store.create(title=f"Question {n}")


def open_matter(app: App, matter_id: str) -> float:
    """What the window does when a matter opens, timed."""
    started = time.perf_counter()
    app.open_matter(matter_id)
    assert len(app.conversations.all()) == CONVERSATIONS
    for library in app.documents.libraries():
        assert app.library.index.count(library) > 0  # its vectors, loaded
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matters", type=int, default=10)
    parser.add_argument("--passages", type=int, default=10_000)
    args = parser.parse_args()
    secret = write_private(Path(tempfile.mkdtemp()) / "passphrase", TEST_PASSPHRASE)
    os.environ["HUSHDESK_PASSPHRASE_FILE"] = str(secret)
    app = App()
    try:
        ids = []
        for n in range(args.matters):
            matter = app.matters.add(f"Matter {n}")
            app.open_matter(matter.id)
            fill(app, args.passages, n)
            ids.append(matter.id)
        first = [open_matter(app, i) for i in ids]
        again = [open_matter(app, i) for i in ids]
    finally:
        app.close()
    shape = f"{args.matters} matters × {args.passages:,} passages"
    print(f"matter_open_median_s: {median(first + again):.2f} s ({shape})")
    print(f"matter_open_s: {max(first + again):.2f} s (target <= 1; the slowest, {shape})")


if __name__ == "__main__":
    main()
