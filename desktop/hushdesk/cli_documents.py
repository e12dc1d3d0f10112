"""``hushdesk ingest`` and ``hushdesk search``: document libraries from the command line.
(``hushdesk ask --library`` lives with ``ask``.)"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hushdesk.core import Core
from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken
from hushdesk.library.service import DocumentLibrary, FileEvent, IngestReport, SearchResult
from hushdesk.library.store import Library
from hushdesk.terminal import on_ctrl_c, show_progress

OK, ERROR, INTERRUPTED = 0, 1, 130
MARKS = {"done": "✓", "unchanged": "=", "duplicate": "=", "failed": "✗"}


def add_parsers(sub: Any) -> None:
    ingest = sub.add_parser("ingest", help="add files or folders to a document library")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--library", required=True, metavar="NAME")
    ingest.add_argument(
        "--ask-password",
        action="store_true",
        help="ask for the password of each encrypted PDF (not shown, not saved)",
    )
    ingest.add_argument("--json", action="store_true", help="one JSON object per file")

    search = sub.add_parser("search", help="the passages of a library that answer a query")
    search.add_argument("query", nargs="*")
    search.add_argument("--library", required=True, metavar="NAME")
    search.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    search.add_argument("--queries", type=Path, metavar="FILE",
                        help="one query per line; one JSON line each")  # fmt: skip
    search.add_argument("--json", action="store_true")


def ingest(core: Core, args: argparse.Namespace) -> int:
    documents = core.documents
    library = documents.library(args.library)
    cancel = CancelToken()

    def show(event: FileEvent) -> None:
        if args.json:
            if event.status in MARKS:
                print(json.dumps({"path": event.path, "status": event.status,
                                  "detail": event.detail}), flush=True)  # fmt: skip
        elif event.status in MARKS:
            detail = f" — {event.detail}" if event.detail else ""
            print(f"{MARKS[event.status]} {event.path}{detail}", flush=True)

    try:
        with on_ctrl_c(cancel.cancel):
            report = documents.ingest(
                library, args.paths, cancel=cancel, progress=show_progress, on_file=show,

            )  # fmt: skip
        if args.ask_password:
            report = _retry_encrypted(documents, library, report, show)
    except Cancelled:
        print("\nStopped. Run the same command again to continue where it stopped.",
              file=sys.stderr)  # fmt: skip
        return INTERRUPTED
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
    return ERROR if report.failed else OK


def _retry_encrypted(documents: DocumentLibrary, library: Library, report: IngestReport,
                     show: Callable[[FileEvent], None]) -> IngestReport:  # fmt: skip
    """Files that failed for want of a password: ask for it (not echoed) and try again.
    The file is only ever opened by the reader process, never here."""
    for event in [e for e in report.failed if "password" in e.detail]:
        password = getpass.getpass(f"Password for {Path(event.path).name}: ")
        if not password:
            continue
        retry = documents.ingest(library, [Path(event.path)], on_file=show,
                                 password_for=_given(password))  # fmt: skip
        report.events = [e for e in report.events if e.path != event.path] + retry.events
    return report


def _given(password: str) -> Callable[[Path], str | None]:
    return lambda _path: password


def search(core: Core, args: argparse.Namespace) -> int:
    documents = core.documents
    library = documents.library(args.library, create=False)
    if args.queries:
        for line in args.queries.read_text(encoding="utf-8").splitlines():
            if line.strip():
                result = documents.search(library, line.strip(), k=args.k)
                print(json.dumps({"query": line.strip(), **_as_json(result)}), flush=True)
        return OK
    query = " ".join(args.query).strip()
    if not query:
        print("hushdesk search: give a query, or --queries FILE", file=sys.stderr)
        return 2
    result = documents.search(library, query, k=args.k)
    if args.json:
        print(json.dumps({"query": query, **_as_json(result)}, indent=2))
        return OK
    if result.abstain:
        print("Nothing in this library looks relevant.")
    for n, hit in enumerate(result.hits, start=1):
        passage = " ".join(hit.chunk.text.split())
        print(f"[{n}] {hit.where}  (similarity {hit.similarity or 0:.2f})")
        print(f"    {passage[:300]}{'…' if len(passage) > 300 else ''}")
    return OK


def _as_json(result: SearchResult) -> dict[str, Any]:
    return {
        "abstain": result.abstain,
        "best_similarity": round(result.best_similarity, 4),
        "sources": [
            {"file": h.file.path, "page": h.chunk.page, "passage": h.chunk.text,
             "score": round(h.similarity or 0.0, 4)}
            for h in result.hits
        ],
    }  # fmt: skip
