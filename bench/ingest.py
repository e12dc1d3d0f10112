"""Indexing speed on real documents, OpenVINO against torch in the same run, and the
retrieval each one gives.

    .venv/bin/python bench/ingest.py [--rounds 3]

The quality set's real documents (bench/sets/licences.toml: licences and a constitution,
printed into PDFs) go through the whole pipeline — hash, read in a child process, chunk,
store, embed, index — into a fresh data folder, once per round for each embedding back
end: torch (sentence-transformers, float32) and OpenVINO int8 (the app's default), the
rounds alternating. The model is loaded (and OpenVINO's prepared) before anything is
timed. Each back end's last library then answers the quality set's questions by hybrid
search, as answers use it: hit@5 and hit@1. Last, the default back end embeds the same
chunks alone: the pipeline's ceiling. And the library torch indexed answers again with
its questions embedded by the default back end, as a library indexed before an update
does (its vectors are kept).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import quality
from hushdesk import paths, privacy
from hushdesk.library.chunker import embedding_text, heading
from measure import median, spread

BACKENDS = ("torch", "openvino-int8")  # the reference first; the last is the app's default


def open_app(home: str, backend: str):
    """The app on the data folder ``home``, embedding with ``backend``."""
    from tests.keys import use_passphrase_file

    from hushdesk.app import App
    from hushdesk.library.embedders import BACKEND_ENV

    os.environ["HUSHDESK_HOME"] = home
    os.environ[BACKEND_ENV] = backend
    use_passphrase_file()
    return App()


def hit_rates(app, library, documents: list[Path]) -> tuple[float, float]:
    """hit@5 and hit@1 of the quality set's questions, by hybrid search as answers use it."""
    evidence = quality.expected_pages(app, library, documents, quality.SETS["licences"])
    found = [quality.retrieved(app, library, q, e) for q, e in evidence.items()]
    return quality.share([h5 for h5, _ in found]), quality.share([h1 for _, h1 in found])


def one_round(backend: str, documents: list[Path], hits: bool) -> dict:
    """A fresh data folder indexing every document; the pages, chunks and seconds."""
    from hushdesk.library.ingest import EMBED_BATCH

    app = open_app(tempfile.mkdtemp(prefix="hushdesk-bench-"), backend)
    try:
        library = app.documents.library("Bench")
        embedder = app.library.embedder(library)
        embedder.embed(["warm up"])  # load (and prepare) the model outside the timings
        app.library.index.count(library)  # and open the index
        started = time.perf_counter()
        report = app.library.ingest(library, documents)
        seconds = time.perf_counter() - started
        failed = [e for e in report.events if e.status == "failed"]
        assert not failed, failed
        records = [app.documents.ready_file(library, str(p)) for p in documents]
        assert all(records), "a document was not indexed"
        result = {
            "backend": embedder.backend,
            "pages": sum(r.pages for r in records),
            "seconds": seconds,
            "home": os.environ["HUSHDESK_HOME"],
        }
        if hits:
            result["hit5"], result["hit1"] = hit_rates(app, library, documents)
            chunks = [  # what ingesting embeds: each passage under its document's name
                embedding_text(c.text, heading(r.name, r.title))
                for r in records
                for c in app.library.store.chunks_of(r.id)
            ]
            result["chunks"] = len(chunks)
            started = time.perf_counter()
            for i in range(0, len(chunks), EMBED_BATCH):
                embedder.embed(chunks[i : i + EMBED_BATCH])
            result["embed_only"] = time.perf_counter() - started
        return result
    finally:
        app.close()


def mixed_hits(home: str, backend: str, documents: list[Path]) -> float:
    """hit@5 of a library indexed by an earlier back end (``home``'s), its questions
    embedded by ``backend``: a library indexed before an update keeps its vectors."""
    app = open_app(home, backend)
    try:
        return hit_rates(app, app.documents.library("Bench"), documents)[0]
    finally:
        app.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-ingest-"))
    documents = quality.documents(folder, quality.SETS["licences"])
    privacy.apply()  # the documents are here: from now on nothing leaves the machine
    # Prepared models outlive the run's data folders: preparing is timed by nothing here.
    os.environ[paths.EMBEDDING_CACHE_ENV] = str(quality.CACHE / "embedding")
    runs: dict[str, list[dict]] = {b: [] for b in BACKENDS}
    for r in range(args.rounds):
        for backend in BACKENDS:
            runs[backend].append(one_round(backend, documents, hits=r == args.rounds - 1))
            seconds = runs[backend][-1]["seconds"]
            print(f"  round {r + 1} {backend}: {seconds:.1f} s", file=sys.stderr)
    last = {b: runs[b][-1] for b in BACKENDS}
    ran = {b: last[b]["backend"] for b in BACKENDS}
    assert ran == {b: b for b in BACKENDS}, f"a back end fell back: {ran}"
    pages = last[BACKENDS[0]]["pages"]
    rate = {b: median([pages / x["seconds"] for x in runs[b]]) for b in BACKENDS}
    torch, default = BACKENDS[0], BACKENDS[-1]
    print(f"documents: {len(documents)} real PDFs, {pages} pages, {last[torch]['chunks']} chunks")
    for b in BACKENDS:
        rates = [pages / x["seconds"] for x in runs[b]]
        print(f"ingest_pages_per_s_{b.replace('-', '_')}: {rate[b]:.1f} pages/s ({spread(rates)})")
    for b in BACKENDS:
        print(f"retrieval_hit_at_5_{b.replace('-', '_')}: {last[b]['hit5']:.2f}")
        print(f"retrieval_hit_at_1_{b.replace('-', '_')}: {last[b]['hit1']:.2f}")
    mixed = mixed_hits(last[torch]["home"], default, documents)
    print(f"retrieval_hit_at_5_torch_vectors_{default.replace('-', '_')}_questions: {mixed:.2f}")
    drop = last[torch]["hit5"] - last[default]["hit5"]
    print(f"hit_at_5_drop_vs_torch: {drop:.2f} (target <= 0.01)")
    embed_only = last[default]["embed_only"]
    ingest = median([x["seconds"] for x in runs[default]])
    print(f"embed_only_pages_per_s: {pages / embed_only:.1f} pages/s ({default})")
    print(f"ingest_vs_embed_ratio: {embed_only / ingest:.2f} (target >= 0.8)")
    print(f"ingest_speedup_vs_torch: {rate[default] / rate[torch]:.2f} (target >= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
