"""``hushdesk draft|templates``: emails on the same service the Email page uses."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, interruptible, printable, status
from hushdesk.errors import HushdeskError
from hushdesk.services.drafts import (
    Draft,
    Request,
    kinds,
    lengths,
    review,
    tones,
    values_from_pairs,
)
from hushdesk.services.notices import too_small


def add_parsers(sub: Any) -> None:
    _draft_parsers(sub)
    _template_parsers(sub)


def _draft_parsers(sub: Any) -> None:
    draft = sub.add_parser(
        "draft",
        help="draft an email: reply, new, follow-up … or from a template",
        description="Draft an email on the local model. The draft is kept in your drafts; "
        "--out saves it as .eml (opens in a mail program), .docx (Word) or .txt.",
    )
    kind_parsers = draft.add_subparsers(dest="draft_command", metavar="KIND", required=True)
    for kind in kinds().values():
        p = kind_parsers.add_parser(kind.id, help=kind.description)
        p.add_argument(
            "--thread", metavar="FILE", help="the email to answer: .eml or text ('-' reads stdin)"
        )
        p.add_argument(
            "--points", metavar="FILE", help="what to say, one point per line ('-' reads stdin)"
        )
        p.add_argument("--tone", choices=list(tones()), default="formal")
        p.add_argument("--length", choices=list(lengths()), default="medium")
        p.add_argument("--language", metavar="NAME", help="write in this language")
        p.add_argument(
            "--to",
            metavar="RECIPIENT",
            default="",
            help="'Name' or 'Name <address>' (default: the sender)",
        )
        p.add_argument("--role", default="", help="who the recipient is, e.g. 'the client'")
        p.add_argument(
            "--library",
            action="append",
            default=[],
            metavar="NAME",
            help="use facts from this document library, cited (repeatable)",
        )
        p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
        p.add_argument("--seed", type=int, default=-1, help="fixed seed for a repeatable draft")
        _output_options(p)
    p = kind_parsers.add_parser("template", help="fill a template's variables")
    p.add_argument("template", help="template id or name (see `hushdesk templates`)")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    _output_options(p)
    p = kind_parsers.add_parser(
        "signature", help="show or set your name, address and the signature under every draft"
    )
    p.add_argument("--name")
    p.add_argument("--address")
    p.add_argument("--text", metavar="SIGNATURE", help="use \\n for new lines")
    kind_parsers.add_parser("list", help="list saved drafts")
    p = kind_parsers.add_parser("show", help="print a saved draft")
    p.add_argument("id", type=int)
    _output_options(p)


def _template_parsers(sub: Any) -> None:
    templates = sub.add_parser("templates", help="list, show, import, export email templates")
    t = templates.add_subparsers(dest="templates_command", metavar="ACTION")
    t.add_parser("list", help="list the templates (the default)")
    p = t.add_parser("show", help="print a template and its variables")
    p.add_argument("template")
    p = t.add_parser("import", help="add templates from a .toml or .json pack")
    p.add_argument("file", type=Path)
    p = t.add_parser("export", help="save templates to a .toml or .json pack")
    p.add_argument("file", type=Path)
    p.add_argument("ids", nargs="*", help="templates to export (default: your own)")
    p = t.add_parser("duplicate", help="copy a template to edit")
    p.add_argument("template")
    p = t.add_parser("delete", help="delete one of your templates")
    p.add_argument("template")


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, metavar="FILE", help="save as .eml, .docx or .txt")
    p.add_argument("--json", action="store_true", help="print the draft as JSON")


def draft(app: App, args: argparse.Namespace) -> int:
    drafts = app.drafts
    command = args.draft_command
    if command == "list":
        for saved, updated in drafts.all():
            kind = kinds().get(saved.request.kind)
            title = kind.title if kind else saved.request.kind
            print(f"{saved.id:>4}  {_when(updated)}  {title:<20}  {saved.subject}")
        return EXIT_OK
    if command == "signature":
        return _signature(app, args)
    if command == "show":
        return _print_draft(app, drafts.get(args.id), args)
    if command == "template":
        made = drafts.from_template(args.template, values_from_pairs(args.var))
        return _print_draft(app, made, args)
    request = Request(
        kind=command,
        points=read_text(args.points),
        thread=read_text(args.thread),
        tone=args.tone,
        length=args.length,
        language=args.language,
        recipient=args.to,
        role=args.role,
        libraries=tuple(args.library),
    )
    request.check()
    status("Writing the draft…")
    written = interruptible(
        lambda cancel: drafts.draft(request, model=args.model, seed=args.seed, cancel=cancel)
    )
    if written is None:
        return EXIT_INTERRUPTED
    return _print_draft(app, written, args)


def _signature(app: App, args: argparse.Namespace) -> int:
    def given(value: str | None) -> str | None:
        return None if value is None else value.replace("\\n", "\n").strip()

    changed = any(v is not None for v in (args.name, args.address, args.text))
    if changed:
        mine = app.preferences.set_sender(given(args.name), given(args.address), given(args.text))
    else:
        mine = app.preferences.sender
    print(f"Name: {mine.sender_name or '(not set)'}\nAddress: {mine.sender_address or '(not set)'}")
    print("Signature:\n" + (mine.signature or mine.sender_name or "(none)"))
    return EXIT_OK


def _print_draft(app: App, made: Draft, args: argparse.Namespace) -> int:
    notes = review(made)
    if args.out:
        app.drafts.export(made, args.out)
        print(f"Saved to {args.out} (draft {made.id})", file=sys.stderr)
    elif args.json:
        print(json.dumps({**made.to_dict(), "review": notes}, indent=2, ensure_ascii=False))
        return EXIT_OK
    else:
        print(printable(f"Subject: {made.subject}\n\n{made.body}"))
    if made.citations:
        cited = set(made.cited)
        print("\nSources:", file=sys.stderr)
        for c in made.citations:
            mark = "cited" if c.n in cited else "not used"
            print(printable(f"  [{c.n}] {c.where} ({mark})"), file=sys.stderr)
    for note in notes:
        print(f"Note: {note}", file=sys.stderr)
    if made.model_struggled:
        print(f"Warning: {too_small('email', 'hushdesk models search')}.", file=sys.stderr)
    return EXIT_OK


def templates(app: App, args: argparse.Namespace) -> int:
    service = app.drafts.templates
    command = args.templates_command or "list"
    if command == "list":
        for template in service.all():
            mine = "" if template.builtin else " (yours)"
            print(f"{template.id:<36}  {template.pack_name:<20}  {template.name}{mine}")
    elif command == "show":
        template = service.get(args.template)
        print(f"{template.name} ({template.kind}, {template.tone})\nSubject: {template.subject}\n")
        print(template.body.strip())
        print("\nVariables: " + ", ".join(f"{n} ({template.label(n)})" for n in template.fields()))
    elif command == "import":
        added = service.import_file(args.file)
        print(f"Imported {len(added)} template(s): " + ", ".join(t.id for t in added))
    elif command == "export":
        chosen = (
            [service.get(i) for i in args.ids]
            if args.ids
            else [t for t in service.all() if not t.builtin]
        )
        if not chosen:
            raise HushdeskError("You have no templates of your own yet: name the ones to export.")
        service.export(chosen, args.file)
        print(f"Exported {len(chosen)} template(s) to {args.file}")
    elif command == "duplicate":
        print(f"Copied to {service.duplicate(args.template).id}")
    elif command == "delete":
        service.delete(service.get(args.template).id)
    return EXIT_OK


def read_text(source: str | None) -> str:
    """A file's text (an .eml whole, headers and all, so that a reply can answer it
    properly), stdin for '-', nothing for None."""
    if not source:
        return ""
    if source == "-":
        return sys.stdin.read()
    path = Path(source).expanduser()
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise HushdeskError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def _when(timestamp: float) -> str:
    import time

    return time.strftime("%d %b %H:%M", time.localtime(timestamp))
