"""``hushdesk chats list|show|export|import|move``: the conversations of a matter (``--matter``),
as the window lists them. ``hushdesk chat`` keeps its conversation unless it is
``--temporary``; ``hushdesk ask`` keeps nothing."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_OK, printable
from hushdesk.errors import HushdeskError


def add_parser(sub: Any) -> None:
    chats = sub.add_parser("chats", help="saved conversations: list, show, export")
    actions = chats.add_subparsers(dest="chats_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the matter's conversations, newest first")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one conversation's messages")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.add_argument("--with-thinking", action="store_true", help="a reasoning model's too")
    export = actions.add_parser("export", help="one conversation as Markdown or JSON")
    export.add_argument("id", type=int)
    export.add_argument("--out", required=True, type=Path, help="FILE.md, FILE.json or FILE.docx")
    export.add_argument(
        "--with-thinking", action="store_true",
        help="include a reasoning model's thinking, marked as such (left out by default)",
    )  # fmt: skip
    move = actions.add_parser("move", help="move a conversation to another matter")
    move.add_argument("id", type=int)
    move.add_argument("--to", required=True, metavar="MATTER")
    bring = actions.add_parser(
        "import", help="conversations exported from ChatGPT (conversations.json) into the matter"
    )
    bring.add_argument("file", type=Path)


def run(app: App, args: argparse.Namespace) -> int:
    conversations = app.conversations
    if args.chats_command == "import":
        added = conversations.import_chatgpt(args.file)
        print(printable(f"Imported {added} conversations into “{app.matter.name}”."))
        return EXIT_OK
    if args.chats_command == "list":
        listed = conversations.all()
        if args.json:
            rows = [
                {"id": c.id, "title": c.title, "updated": c.updated_at, "pinned": c.pinned}
                for c in listed
            ]
            print(json.dumps(rows, indent=2, ensure_ascii=False))
            return EXIT_OK
        for c in listed:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated_at))
            print(printable(f"{c.id:>5}  {when}  {c.title}"))
        return EXIT_OK
    if conversations.get(args.id) is None:
        raise HushdeskError(f"There is no conversation {args.id} in “{app.matter.name}”.")
    if args.chats_command == "move":
        moved = app.move_conversation(args.id, args.to)
        there = app.matters.get(args.to).name
        print(printable(f"Moved to “{there}”, where it is conversation {moved}."))
        return EXIT_OK
    if args.chats_command == "export":
        conversations.export(args.id, args.out, thinking=args.with_thinking)
        print(printable(f"Wrote {args.out}."))
    elif args.json:
        print(conversations.as_text(args.id, as_json=True, thinking=args.with_thinking))
    else:
        print(printable(conversations.as_text(args.id, thinking=args.with_thinking)))
    return EXIT_OK
