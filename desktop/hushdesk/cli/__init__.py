"""The command line over the same services the GUI uses: ``hushdesk ask|chat|ingest|
search|summarize|grid|grids|compare|transcribe|draft|templates|rewrite|proofread|translate|
classify|models|doctor|keys|wipe|serve|connect|libraries|matters|chats``.
Each command turns its arguments into service calls and the results into text."""

from __future__ import annotations

import argparse
import sys

from hushdesk import __version__
from hushdesk.app import App
from hushdesk.cli import (
    chat,
    chats,
    compare,
    connect,
    doctor,
    documents,
    draft,
    grid,
    keys,
    libraries,
    matters,
    models,
    serve,
    summarize,
    transcribe,
    writing,
)
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_INTERRUPTED, printable
from hushdesk.errors import HushdeskError
from hushdesk.vault import Vault


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hushdesk",
        description="Hushdesk: a private assistant that runs entirely on this computer. "
        "Run without a command to open the app; `hushdesk quick` opens Quick ask and "
        "`hushdesk selection` the actions on selected text (commands to bind to keys where "
        "the desktop gives Hushdesk no global shortcuts).",
    )
    parser.add_argument("--version", action="version", version=f"hushdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat.add_parsers(sub)
    documents.add_parsers(sub)
    summarize.add_parser(sub)
    grid.add_parsers(sub)
    compare.add_parser(sub)
    transcribe.add_parser(sub)
    draft.add_parsers(sub)
    writing.add_parsers(sub)
    models.add_parser(sub)
    doctor.add_parser(sub)
    keys.add_parsers(sub)
    serve.add_parser(sub)
    connect.add_parser(sub)
    libraries.add_parser(sub)
    matters.add_parser(sub)
    chats.add_parser(sub)
    matters.add_matter_option(sub)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "ask": chat.ask,
        "chat": chat.chat,
        "models": models.run,
        "doctor": doctor.run,
        "ingest": documents.ingest,
        "search": documents.search,
        "summarize": summarize.run,
        "grid": grid.grid,
        "grids": grid.grids,
        "compare": compare.run,
        "transcribe": transcribe.run,
        "draft": draft.draft,
        "templates": draft.templates,
        "rewrite": writing.run,
        "proofread": writing.run,
        "translate": writing.run,
        "classify": writing.run,
        "keys": keys.keys,
        "serve": serve.run,
        "connect": connect.run,
        "libraries": libraries.run,
        "matters": matters.run,
        "chats": chats.run,
    }
    app: App | None = None
    try:
        if args.command == "wipe":
            return keys.wipe(args)
        vault = Vault()
        keys.unlock(vault)
        app = App(vault=vault, matter=getattr(args, "matter", None))
        for pruned in app.apply_retention():  # at every start, as the window does
            print(printable(f"hushdesk: deleted under retention: {pruned.describe()}."),
                  file=sys.stderr)  # fmt: skip
        return handlers[args.command](app, args)
    except HushdeskError as exc:
        print(f"hushdesk: {printable(exc.message)}", file=sys.stderr)  # a server's words too
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if app is not None:
            app.close()
