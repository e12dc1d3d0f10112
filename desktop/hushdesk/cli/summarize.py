"""``hushdesk summarize``: summaries of files, library documents or stdin, any length."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    interruptible,
    printable,
    show_progress,
    status,
)
from hushdesk.errors import EncryptedDocument, HushdeskError
from hushdesk.jobs import CancelToken
from hushdesk.services.summaries import Options, SavedSummary, Source, lengths, modes

AGAIN = "Stopped. Run the same command again to continue where it stopped."


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "summarize",
        help="summarize a document of any length, with page references",
        description="Summarize a file (PDF, DOCX, EPUB, HTML, text; '-' reads stdin), or a "
        "document of a library with --library. Saved with the document: see --list.",
    )
    p.add_argument("source", nargs="?", help="a file, '-' for stdin, or a library document")
    p.add_argument("--mode", choices=list(modes()), default="brief")
    p.add_argument("--instruction", metavar="TEXT", help="what to do (the custom mode)")
    p.add_argument("--length", choices=list(lengths()), default="medium")
    p.add_argument(
        "--language", metavar="NAME", help="write in this language (default: the document's)"
    )
    p.add_argument("--library", metavar="NAME", help="SOURCE is a document of this library")
    p.add_argument("--out", type=Path, metavar="FILE", help="save as .md or .docx")
    p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
    p.add_argument(
        "--ask-password",
        action="store_true",
        help="ask for an encrypted PDF's password (not shown, not saved)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--list", action="store_true", help="list saved summaries and exit")
    p.add_argument("--show", type=int, metavar="ID", help="print a saved summary")
    p.add_argument("--resume", type=int, metavar="ID", help="finish a stopped summary")


def run(app: App, args: argparse.Namespace) -> int:
    summaries = app.summaries
    if args.list:
        for item in summaries.all():
            print(f"{item.id:>4}  {item.status:<9}  {item.title:<22}  {item.name}")
        return EXIT_OK
    if args.show is not None:
        return _output(app, summaries.finished(args.show), args)

    def work(cancel: CancelToken) -> SavedSummary:
        if args.resume is not None:
            return summaries.resume(
                args.resume, model=args.model, progress=show_progress, cancel=cancel
            )
        options = Options(
            mode=args.mode,
            length=args.length,
            language=args.language,
            instruction=args.instruction or "",
        )
        options.check()  # before a long read
        source = _source(app, args, cancel)
        return summaries.run(
            source, options, model=args.model, progress=show_progress, cancel=cancel
        )

    saved = interruptible(work, stopped=AGAIN, pause=True)
    if saved is None:
        return EXIT_INTERRUPTED
    assert saved.summary is not None
    stats = saved.summary.stats
    passes = "one pass" if stats.single_pass else f"{stats.sections} parts"
    print(  # the file's name and a heading of the document: untrusted
        printable(
            f"{saved.name}: {stats.pages} pages, {stats.tokens} tokens, {passes}; "
            f"{stats.model_calls} model calls, {stats.reused_steps} steps reused; "
            f"{stats.dropped} unsupported statements dropped, {stats.kept_facts} facts kept "
            f"from the text, {stats.restated} of {stats.copied} copied points put in plain "
            f"words; {stats.seconds:.1f} s (summary {saved.id})"
            + (f"; {stats.left_out}" if stats.left_out else "")
        ),
        file=sys.stderr,
    )
    return _output(app, saved, args)


def _output(app: App, saved: SavedSummary, args: argparse.Namespace) -> int:
    if args.out:
        app.summaries.export(saved, args.out)
        print(f"Saved to {args.out}", file=sys.stderr)
    elif args.json:
        assert saved.summary is not None
        print(
            json.dumps(
                {"id": saved.id, "name": saved.name, **saved.summary.to_dict()},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(printable(saved.markdown()), end="")
    return EXIT_OK


def _source(app: App, args: argparse.Namespace, cancel: CancelToken) -> Source:
    summaries = app.summaries
    if not args.source:
        raise HushdeskError("Say what to summarize: a file, '-' for stdin, or --resume ID.")
    if args.library:
        return summaries.find_in_library(args.library, args.source)
    if args.source == "-":
        return summaries.from_text(sys.stdin.read(), name="stdin")
    path = Path(args.source).expanduser()
    if not path.is_file():
        raise HushdeskError(f"No such file: {path}")
    status(f"Reading {path.name}…")
    try:
        return summaries.from_file(path, cancel=cancel)
    except EncryptedDocument:
        if not args.ask_password:
            raise
        password = getpass.getpass(f"Password for {path.name}: ")
        return summaries.from_file(path, password=password, cancel=cancel)
