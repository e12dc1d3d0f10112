"""``hushdesk matters list|add|show|rename|instructions|close|reopen|retention|export|
archive|import|token|delete``:
one place per client, case or patient. Every command that reads or writes your data
takes ``--matter NAME`` (the first matter when it is not given):

  hushdesk matters add "Smith v Jones" --instructions "We act for the tenant."
  hushdesk ingest --matter "Smith v Jones" --library Lease lease.pdf
  hushdesk ask --matter "Smith v Jones" --library Lease "When can the tenant leave?"

A matter's conversations, libraries, summaries and drafts are seen only inside it.
Deleting a matter destroys its key first, then its files. To hand a matter over:

  hushdesk matters export "Smith v Jones" --out smith.hdm     # asks for a passphrase
  hushdesk matters import smith.hdm                           # on the other computer"""

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
    EXIT_INTERRUPTED,
    EXIT_OK,
    interruptible,
    printable,
    show_progress,
)
from hushdesk.errors import HushdeskError
from hushdesk.passphrases import check_passphrase, passphrase_from_file
from hushdesk.services.matters import Matter

# Commands that read or write the user's data: they take --matter.
SCOPED = (
    "ask",
    "chat",
    "chats",
    "ingest",
    "search",
    "summarize",
    "grid",
    "grids",
    "draft",
    "templates",
    "libraries",
    "serve",
)


def add_parser(sub: Any) -> None:
    matters = sub.add_parser(
        "matters",
        help="one place per client, case or patient (list, add, delete…)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = matters.add_subparsers(dest="matters_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every matter")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="a new matter")
    add.add_argument("name")
    add.add_argument("--instructions", default="", help="standing instructions for its chats")
    show = actions.add_parser("show", help="one matter and what it holds")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    rename = actions.add_parser("rename", help="give a matter another name")
    rename.add_argument("name")
    rename.add_argument("new_name")
    told = actions.add_parser("instructions", help="a matter's standing instructions")
    told.add_argument("name")
    told.add_argument("text", help='what every chat in it is told ("" for none)')
    for verb, text in (("close", "make read-only"), ("reopen", "make changeable again")):
        actions.add_parser(verb, help=text).add_argument("name")
    keep = actions.add_parser(
        "retention", help="delete its conversations, drafts and summaries after N days"
    )
    keep.add_argument("name")
    keep.add_argument("days", help="a number of days, or off")
    export = actions.add_parser("export", help="one encrypted archive, with its own passphrase")
    export.add_argument("name")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.hdm")
    archive = actions.add_parser(
        "archive", help="put a matter away: export it to an archive, then delete it here"
    )
    archive.add_argument("name")
    archive.add_argument("--out", type=Path, required=True, metavar="FILE.hdm")
    bring = actions.add_parser("import", help="a matter from an archive")
    bring.add_argument("archive", type=Path)
    bring.add_argument("--name", help="call it this here")
    for p in (export, archive, bring):
        p.add_argument(
            "--passphrase-file", type=Path, metavar="FILE",
            help="the archive's passphrase, first line of a file only you can read",
        )  # fmt: skip
    token = actions.add_parser(
        "token", help="a local API token that opens only this matter (hushdesk serve --matter)"
    )
    token.add_argument("name")
    token.add_argument("--new", action="store_true", help="make one (replaces the old one)")
    delete = actions.add_parser("delete", help="delete a matter and everything in it")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="do not ask")


def add_matter_option(sub: Any) -> None:
    """``--matter NAME`` on every command that reads or writes the user's data, and on
    each of its actions (``hushdesk chats list --matter NAME``). Absent, it sets nothing
    (``SUPPRESS``), so an action's parser does not undo the command's."""

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--matter",
            metavar="NAME",
            default=argparse.SUPPRESS,
            help="the matter to work in (default: the first)",
        )
        for action in parser._actions:  # argparse lists its sub-commands only here
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    add(child)

    for name in SCOPED:
        add(sub.choices[name])


def run(app: App, args: argparse.Namespace) -> int:
    matters, command = app.matters, args.matters_command
    if command == "list":
        return _list(app, args.json)
    if command == "import":
        secret = _archive_passphrase(args.passphrase_file, twice=False)
        done = interruptible(
            lambda token: app.import_matter(
                args.archive, secret, args.name, cancel=token, progress=show_progress
            ),
            stopped="Stopped: nothing was imported.",
        )
        if done is None:
            return EXIT_INTERRUPTED
        note = f" (“{done.renamed_from}” was taken)" if done.renamed_from else ""
        print(printable(f"Imported the matter “{done.matter.name}”{note}."))
        return EXIT_OK
    if command == "add":
        matter = matters.add(args.name, args.instructions)
        print(printable(f"Added the matter “{matter.name}”."))
        return EXIT_OK
    matter = matters.get(args.name)
    if command == "show":
        return _show(app, matter, args.json)
    if command == "rename":
        changed = matters.rename(matter, args.new_name)
        print(printable(f"“{matter.name}” is now “{changed.name}”."))
    elif command == "instructions":
        matters.set_instructions(matter, args.text)
        print(printable(f"Standing instructions of “{matter.name}” set."))
    elif command in ("close", "reopen"):
        matters.close_matter(matter, closed=command == "close")
        state = "closed: read-only" if command == "close" else "open for changes again"
        print(printable(f"“{matter.name}” is {state}."))
    elif command == "retention":
        days = None if args.days.strip().lower() == "off" else _days(args.days)
        matters.set_retention(matter, days)
        kept = "kept" if days is None else f"deleted {days} days after their last change"
        print(printable(f"Conversations, drafts and summaries of “{matter.name}” are {kept}."))
        for pruned in app.apply_retention():
            print(printable(f"Deleted under retention: {pruned.describe()}."))
    elif command == "token":
        limited = matters.api_token(matter, new=args.new)
        if limited is None:
            raise HushdeskError(f"“{matter.name}” has no token yet: add --new to make one.")
        print(limited)
    elif command == "export":
        secret = _archive_passphrase(args.passphrase_file, twice=True)
        wrote = interruptible(
            lambda token: (
                app.export_matter(matter.id, args.out, secret, cancel=token, progress=show_progress)
                or True
            ),
            stopped="Stopped: nothing was written.",
        )
        if wrote is None:
            return EXIT_INTERRUPTED
        print(printable(f"Wrote “{matter.name}” to {args.out}, encrypted with its passphrase."))
    elif command == "archive":
        secret = _archive_passphrase(args.passphrase_file, twice=True)
        wrote = interruptible(
            lambda token: app.archive_matter(
                matter.id, args.out, secret, cancel=token, progress=show_progress
            ),
            stopped="Stopped: the matter is still here.",
        )
        if wrote is None:
            return EXIT_INTERRUPTED
        print(printable(f"Archived “{matter.name}” to {args.out} and deleted it here."))
    elif command == "delete":
        if not args.yes and not _confirmed(matter):
            print("Nothing deleted.")
            return EXIT_OK
        app.delete_matter(matter.id)
        print(printable(f"Deleted the matter “{matter.name}” and everything in it."))
    return EXIT_OK


def _archive_passphrase(path: Path | None, *, twice: bool) -> str:
    if path is not None:
        return passphrase_from_file(path, "archive passphrase file")
    if not sys.stdin.isatty():
        raise HushdeskError("Give the archive's passphrase with --passphrase-file FILE.")
    secret = getpass.getpass("The archive's passphrase: ")
    if twice:
        check_passphrase(secret)
        if getpass.getpass("Again: ") != secret:
            raise HushdeskError("The two do not match: nothing written.")
    return secret


def _days(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise HushdeskError("Give a number of days, or off.") from None


def _confirmed(matter: Matter) -> bool:
    try:
        question = (
            f"Delete “{matter.name}” with all its chats, libraries, summaries and drafts? "
            "This cannot be undone. Type the matter's name: "
        )
        answer = input(printable(question))
    except EOFError:
        return False
    return answer.strip().casefold() == matter.name.casefold()


def _row(matter: Matter) -> dict[str, Any]:
    return {
        "id": matter.id,
        "name": matter.name,
        "instructions": matter.instructions,
        "created": matter.created,
        "closed": matter.closed,
        "retention_days": matter.retention_days,
    }


def _list(app: App, as_json: bool) -> int:
    rows = [_row(m) for m in app.matters.list()]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        notes = ["closed"] if row["closed"] else []
        if row["retention_days"]:
            notes.append(f"kept {row['retention_days']} days")
        print(printable(row["name"] + (f"  ({', '.join(notes)})" if notes else "")))
    return EXIT_OK


def _show(app: App, matter: Matter, as_json: bool) -> int:
    app.open_matter(matter.id)
    row = _row(matter) | {
        "conversations": len(app.conversations.all()),
        "libraries": [lib.name for lib in app.documents.libraries()],
        "summaries": len(app.summaries.all()),
        "drafts": len(app.drafts.all()),
    }
    if as_json:
        print(json.dumps(row, indent=2, ensure_ascii=False))
        return EXIT_OK
    made = time.strftime("%Y-%m-%d", time.localtime(matter.created)) if matter.created else "—"
    lines = [
        matter.name + ("  (closed)" if matter.closed else ""),
        f"  created {made}",
        f"  {row['conversations']} conversations, {row['summaries']} summaries, "
        f"{row['drafts']} drafts",
        f"  libraries: {', '.join(row['libraries']) or 'none'}",
    ]
    if matter.instructions:
        lines.append(f"  standing instructions: {matter.instructions}")
    if matter.retention_days:
        lines.append(f"  deletes what is older than {matter.retention_days} days")
    print(printable("\n".join(lines)))
    return EXIT_OK
