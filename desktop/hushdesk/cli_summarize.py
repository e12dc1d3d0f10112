"""``hushdesk summarize``: summaries of files, library documents or stdin, any length."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.core import Core
from hushdesk.errors import Cancelled, EncryptedDocument, HushdeskError
from hushdesk.jobs import CancelToken
from hushdesk.terminal import clear_progress, on_ctrl_c, show_progress, status

OK, INTERRUPTED = 0, 130


def add_parser(sub: Any) -> None:
    from hushdesk.assistant.summarize import lengths, modes

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
    p.add_argument("--language", metavar="NAME", help="write in this language "
                   "(default: the document's)")  # fmt: skip
    p.add_argument("--library", metavar="NAME", help="SOURCE is a document of this library")
    p.add_argument("--out", type=Path, metavar="FILE", help="save as .md or .docx")
    p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
    p.add_argument("--ask-password", action="store_true",
                   help="ask for an encrypted PDF's password (not shown, not saved)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--list", action="store_true", help="list saved summaries and exit")
    p.add_argument("--show", type=int, metavar="ID", help="print a saved summary")
    p.add_argument("--resume", type=int, metavar="ID", help="finish a stopped summary")


def run(core: Core, args: argparse.Namespace) -> int:
    from hushdesk.assistant.summaries import export
    from hushdesk.assistant.summarize import Options

    summaries = core.summaries
    if args.list:
        for item in summaries.store.find():
            print(f"{item.id:>4}  {item.status:<9}  {item.title:<22}  {item.name}")
        return OK
    if args.show is not None:
        shown = summaries.store.get(args.show)
        if shown is None or shown.summary is None:
            raise HushdeskError(f"No finished summary has the id {args.show}.")
        return _output(shown, args, export)
    cancel = CancelToken()
    try:
        with on_ctrl_c(cancel.cancel):
            if args.resume is not None:
                saved = summaries.resume(args.resume, model=args.model, progress=show_progress,
                                         cancel=cancel)  # fmt: skip
            else:
                options = Options(mode=args.mode, length=args.length, language=args.language,
                                  instruction=args.instruction or "")  # fmt: skip
                options.check()  # before a long read
                source = _source(core, args, cancel)
                saved = summaries.run(source, options, model=args.model, progress=show_progress,
                                      cancel=cancel)  # fmt: skip
    except Cancelled:
        clear_progress()
        print("Stopped. Run the same command again to continue where it stopped.",
              file=sys.stderr)  # fmt: skip
        return INTERRUPTED
    clear_progress()
    assert saved.summary is not None
    stats = saved.summary.stats
    passes = "one pass" if stats.single_pass else f"{stats.sections} parts"
    print(
        f"{saved.name}: {stats.pages} pages, {stats.tokens} tokens, {passes}; "
        f"{stats.model_calls} model calls, {stats.reused_steps} steps reused; "
        f"{stats.dropped} unsupported statements dropped, {stats.kept_facts} facts kept "
        f"from the text; {stats.seconds:.1f} s (summary {saved.id})",
        file=sys.stderr,
    )
    return _output(saved, args, export)


def _output(saved: Any, args: argparse.Namespace, export: Any) -> int:
    if args.out:
        export(saved, args.out)
        print(f"Saved to {args.out}", file=sys.stderr)
    elif args.json:
        print(json.dumps({"id": saved.id, "name": saved.name, **saved.summary.to_dict()},
                         indent=2, ensure_ascii=False))  # fmt: skip
    else:
        print(saved.markdown(), end="")
    return OK


def _source(core: Core, args: argparse.Namespace, cancel: CancelToken) -> Any:
    from hushdesk.assistant import summaries

    if not args.source:
        raise HushdeskError("Say what to summarize: a file, '-' for stdin, or --resume ID.")
    if args.library:
        documents = core.documents
        library = documents.library(args.library, create=False)
        for record in documents.store.files(library, "done"):
            if args.source in (record.name, record.path, str(record.id)):
                return summaries.source_from_library(documents.store, record.id)
        raise HushdeskError(f"No indexed document called {args.source!r} in {args.library}.")
    if args.source == "-":
        return summaries.source_from_text(sys.stdin.read(), name="stdin")
    path = Path(args.source).expanduser()
    if not path.is_file():
        raise HushdeskError(f"No such file: {path}")
    status(f"Reading {path.name}…")
    try:
        return summaries.source_from_file(path, cancel=cancel)
    except EncryptedDocument:
        if not args.ask_password:
            raise
        password = getpass.getpass(f"Password for {path.name}: ")
        return summaries.source_from_file(path, password=password, cancel=cancel)
