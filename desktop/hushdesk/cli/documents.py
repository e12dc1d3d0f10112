"""``hushdesk ingest`` and ``hushdesk search``: document libraries from the command line.
(``hushdesk ask --library`` lives with ``ask``.)"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    clear_progress,
    on_ctrl_c,
    printable,
    show_progress,
    status,
    timed,
)
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.services.documents import FileEvent, IngestReport, Library, SearchResult
from hushdesk.services.indexing import Indexing, IndexJob, Signature

MARKS = {"done": "✓", "unchanged": "=", "duplicate": "=", "failed": "✗", "removed": "−"}
POLL_S = 2.0  # --watch: how often the folder is looked at


def add_parsers(sub: Any) -> None:
    ingest_ = sub.add_parser("ingest", help="add files or folders to a document library")
    ingest_.add_argument("paths", nargs="+", type=Path)
    ingest_.add_argument("--library", required=True, metavar="NAME")
    ingest_.add_argument(
        "--ask-password",
        action="store_true",
        help="ask for the password of each encrypted PDF (not shown, not saved)",
    )
    ingest_.add_argument(
        "--watch",
        action="store_true",
        help="keep the library in step with the folder: new, changed and deleted files "
        "are indexed as they happen, until Ctrl-C (the app watches it too)",
    )
    ingest_.add_argument("--json", action="store_true", help="one JSON object per file")

    search_ = sub.add_parser("search", help="the passages of a library that answer a query")
    search_.add_argument("query", nargs="*")
    search_.add_argument("--library", required=True, metavar="NAME")
    search_.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    search_.add_argument(
        "--queries", type=Path, metavar="FILE", help="one query per line; one JSON line each"
    )
    search_.add_argument("--json", action="store_true")


def ingest(app: App, args: argparse.Namespace) -> int:
    if args.watch and (len(args.paths) != 1 or not args.paths[0].is_dir()):
        raise HushdeskError("--watch takes one folder.")
    library = app.documents.library(args.library)
    indexing = app.indexing

    def show(event: FileEvent) -> None:
        if event.status not in MARKS:
            return
        if args.json:
            line = {"path": event.path, "status": event.status, "detail": event.detail}
            print(json.dumps(line), flush=True)
        else:
            detail = f" — {event.detail}" if event.detail else ""
            print(printable(f"{MARKS[event.status]} {event.path}{detail}"), flush=True)

    if args.watch:  # watched before the first scan: nothing falls in between
        library = indexing.watch_folder(library, args.paths[0])
        listing = indexing.watched_folders()
    try:
        job = indexing.add(library, args.paths)
        assert job is not None  # nothing else runs in this process
        report = _run(indexing, job, show)
        if args.ask_password:
            report = _retry_encrypted(indexing, library, report, show)
        if args.watch:
            return _watch(indexing, *listing, show)
    except Cancelled:
        clear_progress()
        print("Stopped. Run the same command again to continue where it stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        clear_progress()
    return EXIT_ERROR if report.failed else EXIT_OK


def _run(indexing: Indexing, job: IndexJob, show: Any) -> IngestReport:
    """Run a job to its end (Ctrl-C pauses it: the next run goes on from there)."""
    try:
        with on_ctrl_c(job.token.pause):
            return job.run(progress=show_progress, on_file=show)
    finally:
        indexing.ended(job)


def _retry_encrypted(
    indexing: Indexing, library: Library, report: IngestReport, show: Any
) -> IngestReport:
    """Files that failed for want of a password: ask for it (not echoed) and try again.
    The file is only ever opened by the reader process, never here."""
    for event in [e for e in report.failed if "password" in e.detail]:
        password = getpass.getpass(f"Password for {Path(event.path).name}: ")
        if not password:
            continue
        job = indexing.add(library, [Path(event.path)], {event.path: password})
        assert job is not None
        retry = _run(indexing, job, show)
        report.events = [e for e in report.events if e.path != event.path] + retry.events
    return report


def _watch(indexing: Indexing, folders: list[str], signature: Signature, show: Any) -> int:
    """Index what changes in the watched folders until Ctrl-C (the normal way to end:
    a rescan it interrupts goes on next time)."""
    status(f"Watching {folders[0]} (Ctrl-C stops)…")
    stop, running = [False], list[IndexJob]()

    def interrupt() -> None:
        stop[0] = True
        for job in running:
            job.token.pause()

    with on_ctrl_c(interrupt):
        while not stop[0]:
            time.sleep(POLL_S)
            if stop[0] or indexing.folders_signature(folders) == signature:
                continue
            # Listed before the scan: a change made while it runs shows up next time.
            folders, signature = indexing.watched_folders()
            job = indexing.rescan()
            if job is None:
                continue
            running[:] = [job]
            try:
                job.run(progress=show_progress, on_file=show)
            except Cancelled:
                break
            finally:
                running.clear()
                indexing.ended(job)
                clear_progress()
    status("Stopped watching.")
    return EXIT_OK


def search(app: App, args: argparse.Namespace) -> int:
    documents = app.documents
    library = documents.library(args.library, create=False)
    if args.queries:
        for line in args.queries.read_text(encoding="utf-8").splitlines():
            if line.strip():
                result = documents.search(library, line.strip(), k=args.k)
                print(json.dumps({"query": line.strip(), **_as_json(result)}), flush=True)
        return EXIT_OK
    query = " ".join(args.query).strip()
    if not query:
        print("hushdesk search: give a query, or --queries FILE", file=sys.stderr)
        return EXIT_USAGE
    result = documents.search(library, query, k=args.k)
    if app.shared.is_shared(library.name) and app.shared.state(library.name).problem:
        print(f"hushdesk: {app.shared.state(library.name).problem}", file=sys.stderr)
    if args.json:
        print(json.dumps({"query": query, **_as_json(result)}, indent=2))
        return EXIT_OK
    if result.abstain:
        print("Nothing in this library looks relevant.")
    for n, hit in enumerate(result.hits, start=1):
        passage = printable(" ".join(hit.chunk.text.split()))
        print(f"[{n}] {printable(hit.where)}  (similarity {hit.similarity or 0:.2f})")
        print(f"    {passage[:300]}{'…' if len(passage) > 300 else ''}")
    return EXIT_OK


def _as_json(result: SearchResult) -> dict[str, Any]:
    return {
        "abstain": result.abstain,
        "best_similarity": round(result.best_similarity, 4),
        "sources": [
            {
                "file": h.file.path,
                "page": h.chunk.page,
                "passage": h.chunk.text,
                "score": round(h.similarity or 0.0, 4),
                **timed(h.times),
            }
            for h in result.hits
        ],
    }
