"""``hushdesk libraries list|add|sync|unshare``: document libraries, and libraries shared
through a Chroma server the practice runs (``chroma run``, or its own deployment): one
colleague ingests, everyone searches and asks with citations.

  hushdesk libraries add "Smith v Jones" --server https://chroma.firm.internal:8000 \\
      [--token-file FILE] [--ca-file firm-ca.pem]

creates the library on the server if it is not there (with this computer's embedding
model) or takes it from there; ``ingest``, ``search`` and ``ask --library`` then work as
for a local one. This computer keeps an encrypted copy, so a server that cannot be
reached leaves search working (the library is marked) and local libraries unaffected."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from hushdesk.app import App
from hushdesk.cli.connect import add_credentials, credentials
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_OK, printable
from hushdesk.endpoints import UNENCRYPTED_BADGE
from hushdesk.errors import HushdeskError


def add_parser(sub: Any) -> None:
    libraries = sub.add_parser(
        "libraries",
        help="document libraries, and libraries shared through your firm's Chroma server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = libraries.add_subparsers(dest="libraries_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="libraries, their documents, what is shared")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="share a library through a Chroma server (or attach)")
    add.add_argument("name")
    add.add_argument("--server", required=True, help="the Chroma server, e.g. https://host:8000")
    add_credentials(add)
    sync = actions.add_parser("sync", help="send what is new here, take what is new there")
    sync.add_argument("name")
    unshare = actions.add_parser("unshare", help="stop sharing (this computer's copy stays)")
    unshare.add_argument("name")


def run(app: App, args: argparse.Namespace) -> int:
    shared = app.shared
    command = args.libraries_command
    if command == "add":
        token, ca_file = credentials(args)
        report = shared.attach(args.name, args.server, token=token, ca_file=ca_file,
                               allow_unencrypted=args.allow_unencrypted)  # fmt: skip
        host = shared.state(args.name).host
        print(printable(f"{args.name} is shared through {host}: {_report(report)}"))
    elif command == "sync":
        if not shared.is_shared(args.name):
            raise HushdeskError(f"The library {args.name!r} is not shared.")
        print(printable(f"{args.name}: {_report(shared.sync(args.name))}"))
    elif command == "unshare":
        shared.detach(args.name)
        print(printable(f"{args.name} is no longer shared; this computer's copy stays."))
    else:
        return _list(app, args)
    return EXIT_OK


def _list(app: App, args: argparse.Namespace) -> int:
    app.shared.refresh(app.shared.names())  # in step, or marked unreachable
    rows = []
    for library in app.documents.libraries():
        state = app.documents.state(library)
        row: dict[str, Any] = {"name": library.name, "documents": state.ready,
                               "model": library.embedding_model, "shared": None}  # fmt: skip
        if app.shared.is_shared(library.name):
            s = app.shared.state(library.name)
            row["shared"] = {"host": s.host, "synced_at": s.synced_at, "problem": s.problem,
                             "unencrypted": s.unencrypted}  # fmt: skip
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not rows:
        print("No libraries. Add documents: hushdesk ingest --library NAME FILES…")
    for row in rows:
        line = f"{row['name']}  ({row['documents']} documents)"
        share = row["shared"]
        if share:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(share["synced_at"]))
            line += f"  shared through {share['host']}, in step at {when}"
            if share["unencrypted"]:
                line += f"  [{UNENCRYPTED_BADGE}]"
            if share["problem"]:
                line += "  [server unreachable]"
        print(printable(line))
    return EXIT_OK if all(not (r["shared"] or {}).get("problem") for r in rows) else EXIT_ERROR


def _report(report: Any) -> str:
    text = f"{report.sent} sent, {report.received} received, {report.removed} removed."
    skipped = getattr(report, "skipped", 0)
    return text + (
        f" {skipped} record(s) from the server were malformed and skipped." if skipped else ""
    )
