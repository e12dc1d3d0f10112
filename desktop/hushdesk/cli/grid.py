"""``hushdesk grid``: the same questions asked of every document of a library, answered
cell by cell from each document only; ``hushdesk grids``: the saved grids.

    hushdesk grid --library Leases --column "Who is the landlord?" \\
        --column "When does the lease end?" --type text --type date --out leases.xlsx
    hushdesk grid --library Incoming --add ~/scans/leases/ --column "Who is the landlord?"

A grid is kept as it is answered: Ctrl+C pauses it, and ``hushdesk grid --resume ID``
(or the same command again with ``--name``) answers only the cells still empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, interruptible, printable, show_progress
from hushdesk.errors import HushdeskError
from hushdesk.jobs import CancelToken
from hushdesk.services.review import Grid, column_type, sources

AGAIN = "Paused. Run `hushdesk grid --resume {id}` to answer the cells still empty."
TYPES = "text, date, amount, yes/no or choice:A|B|C"


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "grid",
        help="ask every document of a library the same questions (a review grid)",
        description="Answer each question (--column) from each document of a library, "
        "every answer checked against its own document and cited by page. Saved with the "
        "library; Ctrl+C pauses, --resume ID goes on.",
    )
    p.add_argument("--library", metavar="NAME", help="the documents to review")
    p.add_argument("--column", action="append", default=[], metavar="QUESTION",
                   help="a question to ask every document (repeat for more columns)")  # fmt: skip
    p.add_argument("--type", action="append", default=[], metavar="TYPE",
                   help=f"the answer type of each --column in turn: {TYPES}")  # fmt: skip
    p.add_argument("--document", action="append", metavar="NAME",
                   help="only this document of the library (repeat for more)")  # fmt: skip
    p.add_argument("--add", action="append", type=Path, metavar="PATH",
                   help="files or folders to add to the library first: the grid reviews "
                   "them (repeat for more)")  # fmt: skip
    p.add_argument("--name", metavar="NAME", help="the grid's name (an existing one resumes)")
    p.add_argument("--resume", metavar="ID", help="answer what a stopped grid left empty")
    p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
    p.add_argument("--out", type=Path, metavar="FILE", help="save as .csv, .xlsx or .docx")
    p.add_argument("--json", action="store_true", help="one object per document with its cells")

    g = sub.add_parser("grids", help="list, show, export or delete saved review grids")
    actions = g.add_subparsers(dest="grids_command", metavar="ACTION", required=True)
    listed = actions.add_parser("list", help="the saved grids, newest first")
    listed.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="a grid's answers")
    show.add_argument("grid", metavar="ID_OR_NAME")
    show.add_argument("--json", action="store_true")
    out = actions.add_parser("export", help="write a grid as .csv, .xlsx or .docx")
    out.add_argument("grid", metavar="ID_OR_NAME")
    out.add_argument("--out", type=Path, metavar="FILE", required=True)
    edit = actions.add_parser("edit", help="set a cell by hand (marked as edited)")
    edit.add_argument("grid", metavar="ID_OR_NAME")
    edit.add_argument("--document", required=True, metavar="NAME")
    edit.add_argument("--column", required=True, metavar="N", type=int, help="1 for the first")
    edit.add_argument("--value", required=True)
    delete = actions.add_parser("delete", help="delete a grid (not its documents)")
    delete.add_argument("grid", metavar="ID_OR_NAME")


def grid(app: App, args: argparse.Namespace) -> int:
    reviews = app.reviews
    if args.resume:
        chosen = reviews.find(args.resume)
    elif args.name and any(r.name == args.name for r in reviews.grids()):
        chosen = reviews.find(args.name)
    else:
        if not args.library or not args.column:
            raise HushdeskError("Say what to review: --library NAME and one --column or more.")
        if len(args.type) > len(args.column):
            raise HushdeskError("More --type than --column: one type for each question.")
        kinds = [column_type(t) for t in args.type]
        kinds += [("text", ())] * (len(args.column) - len(kinds))
        questions = [(q, k, c) for q, (k, c) in zip(args.column, kinds, strict=True)]
        documents = args.document
        if args.add:
            added = reviews.index(args.library, args.add, progress=show_progress)
            documents = [*(documents or []), *added]
        chosen = reviews.create(args.library, questions, name=args.name,
                                documents=documents, model=args.model)  # fmt: skip
    if not chosen.documents:
        raise HushdeskError(f"“{chosen.library.name}” has no indexed documents to review.")
    print(printable(f"{chosen.name} (grid {chosen.id}): {len(chosen.documents)} documents × "
                    f"{len(chosen.columns)} questions"), file=sys.stderr)  # fmt: skip

    def work(cancel: CancelToken) -> Grid:
        return reviews.run(chosen.id, model=args.model, progress=show_progress, cancel=cancel)

    done = interruptible(work, stopped=AGAIN.format(id=chosen.id), pause=True)
    if done is None:
        return EXIT_INTERRUPTED
    return _output(app, done, args.out, args.json)


def grids(app: App, args: argparse.Namespace) -> int:
    reviews, command = app.reviews, args.grids_command
    if command == "list":
        listed = [reviews.get(r.id) for r in reviews.grids()]
        if args.json:
            print(json.dumps([_summary(g) for g in listed], indent=2, ensure_ascii=False))
        for g in [] if args.json else listed:
            print(printable(f"{g.id:>4}  {g.name}  ({g.library.name}: {len(g.documents)} "
                            f"documents × {len(g.columns)} questions, "
                            f"{len(g.cells)} of {g.total} answered)"))  # fmt: skip
        return EXIT_OK
    chosen = reviews.find(args.grid)
    if command == "show":
        return _output(app, chosen, None, args.json)
    if command == "export":
        return _output(app, chosen, args.out, False)
    if command == "edit":
        doc = next((d for d in chosen.documents if args.document in (d.name, d.path, str(d.id))),
                   None)  # fmt: skip
        if doc is None or not 1 <= args.column <= len(chosen.columns):
            raise HushdeskError("No such cell: name a document of the grid and a column 1…N.")
        reviews.edit(chosen.id, doc.id, chosen.columns[args.column - 1].id, args.value)
        print("Edited.", file=sys.stderr)
        return EXIT_OK
    reviews.delete(chosen.id)
    print(printable(f"Deleted the grid “{chosen.name}”."), file=sys.stderr)
    return EXIT_OK


def _summary(g: Grid) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "library": g.library.name,
            "documents": len(g.documents), "questions": [c.question for c in g.columns],
            "answered": len(g.cells), "cells": g.total}  # fmt: skip


def _output(app: App, done: Grid, out: Path | None, as_json: bool) -> int:
    if out is not None:
        app.reviews.export(done, out)
        print(printable(f"Saved to {out}"), file=sys.stderr)
    elif as_json:
        print(json.dumps({"id": done.id, "name": done.name, "library": done.library.name,
                          "documents": done.to_json()}, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        for doc in done.documents:
            print(printable(doc.name))
            for col in done.columns:
                cell = done.cell(doc.id, col.id)
                value = cell.value if cell else "(not answered yet)"
                place = "; ".join(c.where for c in sources(cell))
                edited = " (edited)" if cell and cell.state == "edited" else ""
                line = f"  {col.question}  →  {value}{edited}" + (f"  [{place}]" if place else "")
                print(printable(line))
    return EXIT_OK
