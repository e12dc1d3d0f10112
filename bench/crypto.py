"""What encryption at rest costs: encrypted (SQLCipher) against plaintext stores in one run.

    .venv/bin/python bench/crypto.py [--chunks 10000] [--large 100000]

- ingest: real pages (a PDF read by the real reader, chunked, embedded by the real
  model), pages per second, encrypted / plaintext (target ≥ 0.9);
- search: the real fused search (vectors + FTS5 + passages) over a library of
  ``--chunks`` synthetic passages, p95 encrypted / plaintext (target ≤ 1.2);
- saving a chat turn (one message written and committed), median ms, both ways;
- unlock → first search answered: argon2id on the passphrase, the store opened, the
  library's vectors loaded into memory, one search, on a fresh process's state (the
  embedding model's own load is reported apart: it does not depend on encryption), at
  ``--chunks`` (target ≤ 2 s) and at ``--large`` (reported).

The plaintext side opens the same stores without giving SQLCipher a key (so they are
plain SQLite files): only this script does that.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hushdesk import privacy

privacy.apply()
os.environ.setdefault("HUSHDESK_HOME", tempfile.mkdtemp(prefix="hushdesk-bench-"))

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.documents import pdf  # noqa: E402

from hushdesk import sqlitedb  # noqa: E402
from hushdesk.assistant.chat_store import ConversationStore  # noqa: E402
from hushdesk.library.chunker import Chunk  # noqa: E402
from hushdesk.library.document import LoadedDocument, PageText  # noqa: E402
from hushdesk.library.libraries import DocumentLibrary  # noqa: E402
from hushdesk.library.search import SearchResult, fused_search  # noqa: E402
from hushdesk.library.store import DocumentStore  # noqa: E402
from hushdesk.models import bundled  # noqa: E402
from hushdesk.models.registry import Registry  # noqa: E402
from hushdesk.vault import Vault  # noqa: E402
from measure import median, p95, spread  # noqa: E402

PAGES = 40
ROUNDS = 3
PER_FILE = 1_000
QUERIES = 60
TURNS = 200
WORDS = [f"term{i}" for i in range(20_000)] + ["notice", "tenant", "invoice", "escrow"]
PASSPHRASE = "a passphrase for the benchmark"


@contextmanager
def plaintext() -> Iterator[None]:
    """Stores opened in the clear (no key given to SQLCipher), for the comparison only."""
    keyed = sqlitedb.Database._unlock
    sqlitedb.Database._unlock = lambda _self, _db: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        sqlitedb.Database._unlock = keyed  # type: ignore[method-assign]


def page_text(rng: random.Random, n: int) -> str:
    return f"Page {n}. " + " ".join(rng.choices(WORDS, k=300)) + "."


def ingest_rate(service: DocumentLibrary, name: str, document: Path) -> float:
    library = service.library(name)
    started = time.perf_counter()
    report = service.ingest(library, [document])
    assert report.events[-1].status == "done", report.events[-1]
    return PAGES / (time.perf_counter() - started)


def fill(store: DocumentStore, service: DocumentLibrary, chunks: int, seed: int) -> None:
    rng = random.Random(seed)
    library = service.library("big")
    for f in range(max(1, chunks // PER_FILE)):
        path = f"/bench/file-{f}.pdf"
        file_id = store.queue(library, path, sha256=f"{seed}{f:063x}", size=1, mtime=0)
        batch = [
            Chunk(page=i // 3 + 1, start=0, end=10, text=" ".join(rng.choices(WORDS, k=120)))
            for i in range(PER_FILE)
        ]
        pages = [PageText(n, "") for n in range(1, PER_FILE // 3 + 2)]
        _, ids = store.replace_content(file_id, LoadedDocument("pdf", path, pages), batch)
        vectors = np.random.default_rng(f).standard_normal((len(ids), 384)).astype(np.float32)
        service.index.upsert(library, ids, vectors)
        store.set_status(file_id, "done")


def search(service: DocumentLibrary, text: str, vector: np.ndarray) -> SearchResult:
    """The real search path, with the query's vector given (the model is not timed)."""
    library = service.library("big")
    return fused_search(
        service.store, service.index, library, text, vector, k=5, relevance_floor=0.0
    )


def search_p95(service: DocumentLibrary, vectors: np.ndarray) -> float:
    timings = []
    for i in range(QUERIES):
        words = " ".join(random.Random(i).choices(WORDS[-4:], k=2))
        begun = time.perf_counter()
        search(service, words, vectors[i])
        timings.append((time.perf_counter() - begun) * 1000)
    return p95(timings)


def turn_ms(path: Path, key: bytes) -> float:
    store = ConversationStore(key, path)
    chat = store.create(title="bench")
    timings = []
    for i in range(TURNS):
        begun = time.perf_counter()
        store.add_message(chat.id, "assistant", f"Answer {i}: " + "word " * 200)
        timings.append((time.perf_counter() - begun) * 1000)
    store.close()
    return statistics.median(timings)


def unlock_to_first_search(folder: Path, chunks: int, registry: Registry, runs: int) -> list[float]:
    """A library of ``chunks`` made and closed; then, timed ``runs`` times: unlock, open,
    search (each time with nothing of the last run kept but the system's file cache)."""
    vault = Vault(folder / "keys.json")
    vault.create(passphrase=PASSPHRASE)
    store = DocumentStore(vault.store_key("library"), folder / "library.sqlite")
    service = DocumentLibrary(registry, store)
    fill(store, service, chunks, seed=chunks)
    store.close()
    vault.lock()
    query = np.random.default_rng(7).standard_normal(384).astype(np.float32)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        vault = Vault(folder / "keys.json")
        vault.unlock(PASSPHRASE)
        store = DocumentStore(vault.store_key("library"), folder / "library.sqlite")
        service = DocumentLibrary(registry, store)
        result = search(service, "notice tenant", query)
        seconds.append(time.perf_counter() - started)
        assert result.hits
        store.close()
        vault.lock()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="0 skips it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hushdesk-crypto-"))
    registry = Registry()
    bundled.ensure_registered(registry)
    key = os.urandom(32)

    rng = random.Random(3)
    document = pdf(work / "report.pdf", [page_text(rng, n) for n in range(1, PAGES + 1)])
    encrypted = DocumentLibrary(registry, DocumentStore(key, work / "enc.sqlite"))
    started = time.perf_counter()
    encrypted.embedder(encrypted.library("warm")).embed(["warm up"])
    embedder_load = time.perf_counter() - started
    with plaintext():
        clear = DocumentLibrary(registry, DocumentStore(key, work / "clear.sqlite"))
    clear._embedders = encrypted._embedders  # the same loaded model for both
    rates: dict[str, list[float]] = {"enc": [], "clear": []}
    for round_ in range(ROUNDS):  # alternated, so that neither side gets the warmer machine
        rates["enc"].append(ingest_rate(encrypted, f"e{round_}", document))
        with plaintext():
            rates["clear"].append(ingest_rate(clear, f"c{round_}", document))
    enc_rate, clear_rate = median(rates["enc"]), median(rates["clear"])

    fill(encrypted.store, encrypted, args.chunks, seed=1)
    with plaintext():
        fill(clear.store, clear, args.chunks, seed=1)
    queries = np.random.default_rng(5).standard_normal((QUERIES, 384)).astype(np.float32)
    search_p95(encrypted, queries)  # warm both (vectors loaded, pages cached)
    with plaintext():
        search_p95(clear, queries)
    p95s: dict[str, list[float]] = {"enc": [], "clear": []}
    for _ in range(ROUNDS):
        p95s["enc"].append(search_p95(encrypted, queries))
        with plaintext():
            p95s["clear"].append(search_p95(clear, queries))
    enc_p95, clear_p95 = median(p95s["enc"]), median(p95s["clear"])

    enc_turn = turn_ms(work / "enc-chat.sqlite", key)
    with plaintext():
        clear_turn = turn_ms(work / "clear-chat.sqlite", key)

    first = unlock_to_first_search(work / "unlock-small", args.chunks, registry, ROUNDS)
    large = (
        unlock_to_first_search(work / "unlock-large", args.large, registry, 1)[0]
        if args.large
        else 0
    )
    print(f"ingest_pages_per_s_encrypted: {enc_rate:.2f} pages/s ({spread(rates['enc'])})")
    print(f"ingest_pages_per_s_plaintext: {clear_rate:.2f} pages/s ({spread(rates['clear'])})")
    print(f"ingest_ratio: {enc_rate / clear_rate:.2f} (target >= 0.9)")
    print(f"search_p95_ms_encrypted: {enc_p95:.1f} ms ({spread(p95s['enc'])})")
    print(f"search_p95_ms_plaintext: {clear_p95:.1f} ms ({spread(p95s['clear'])})")
    print(f"search_p95_ratio: {enc_p95 / clear_p95:.2f} (target <= 1.2)")
    print(f"chat_turn_save_ms_encrypted: {enc_turn:.2f} ms")
    print(f"chat_turn_save_ms_plaintext: {clear_turn:.2f} ms")
    print(f"embedder_load_s: {embedder_load:.2f} s (not part of unlock; same either way)")
    if args.large:
        print(f"unlock_to_first_search_s_{args.large // 1000}k: {large:.2f} s (reported)")
    print(
        f"unlock_to_first_search_s_{args.chunks // 1000}k: {median(first):.2f} s "
        f"({spread(first, 2)}; target <= 2)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
