"""``hushdesk draft|templates|rewrite|proofread|translate|classify``: emails and writing
tasks on the same core the app uses."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.core import Core
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken
from hushdesk.terminal import clear_progress, on_ctrl_c, show_progress, status

OK, INTERRUPTED = 0, 130


def add_parsers(sub: Any) -> None:
    _draft_parsers(sub)
    _template_parsers(sub)
    _writing_parsers(sub)


def _draft_parsers(sub: Any) -> None:
    from hushdesk.assistant.email import kinds, lengths, tones

    draft = sub.add_parser(
        "draft",
        help="draft an email: reply, new, follow-up … or from a template",
        description="Draft an email on the local model. The draft is saved in history; "
        "--out saves it as .eml (opens in a mail program) or .txt.",
    )
    kind_parsers = draft.add_subparsers(dest="draft_command", metavar="KIND", required=True)
    for kind in kinds().values():
        p = kind_parsers.add_parser(kind.id, help=kind.description)
        p.add_argument("--thread", metavar="FILE", help="the email to answer: .eml or text "
                       "('-' reads stdin)")  # fmt: skip
        p.add_argument("--points", metavar="FILE", help="what to say, one point per line "
                       "('-' reads stdin)")  # fmt: skip
        p.add_argument("--tone", choices=list(tones()), default="formal")
        p.add_argument("--length", choices=list(lengths()), default="medium")
        p.add_argument("--language", metavar="NAME", help="write in this language")
        p.add_argument("--to", metavar="RECIPIENT", default="",
                       help="'Name' or 'Name <address>' (default: the sender)")  # fmt: skip
        p.add_argument("--role", default="", help="who the recipient is, e.g. 'the client'")
        p.add_argument("--library", action="append", default=[], metavar="NAME",
                       help="use facts from this document library, cited (repeatable)")  # fmt: skip
        p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
        p.add_argument("--seed", type=int, default=-1, help="fixed seed for a repeatable draft")
        _output_options(p)
    p = kind_parsers.add_parser("template", help="fill a template's variables")
    p.add_argument("template", help="template id or name (see `hushdesk templates`)")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    _output_options(p)
    p = kind_parsers.add_parser("signature", help="show or set your name, address and "
                                "the signature under every draft")  # fmt: skip
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


def _writing_parsers(sub: Any) -> None:
    from hushdesk.assistant.writing import styles

    def text_command(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        p.add_argument("file", nargs="?", default="-", help="the text: a file, or '-' (stdin)")
        p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
        p.add_argument("--json", action="store_true", help="print JSON")
        return p

    p = text_command("rewrite", "rewrite a text: clearer, shorter, more formal, friendlier")
    p.add_argument("--style", choices=list(styles()), default="clearer")
    p.add_argument("--language", metavar="NAME", help="write in this language")
    text_command("proofread", "correct spelling and grammar, with the list of changes")
    p = text_command("translate", "translate a text")
    p.add_argument("--to", required=True, metavar="LANGUAGE", dest="language")
    p = text_command("classify", "put a text under one of your labels, with a reason")
    p.add_argument("--labels", required=True, help="comma-separated, e.g. urgent,normal,spam")


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, metavar="FILE", help="save as .eml or .txt")
    p.add_argument("--json", action="store_true", help="print the draft as JSON")


def draft(core: Core, args: argparse.Namespace) -> int:
    from hushdesk.assistant.drafts import values_from_pairs
    from hushdesk.assistant.email import Request, kinds

    drafts = core.drafts
    command = args.draft_command
    if command == "list":
        for saved, updated in drafts.store.drafts():
            kind = kinds().get(saved.request.kind)
            title = kind.title if kind else saved.request.kind
            print(f"{saved.id:>4}  {_when(updated)}  {title:<20}  {saved.subject}")
        return OK
    if command == "signature":
        return _signature(core, args)
    if command == "show":
        shown = drafts.store.get(args.id)
        if shown is None:
            raise HushdeskError(f"No draft has the id {args.id}.")
        return _print_draft(core, shown, args)
    if command == "template":
        return _print_draft(core, drafts.from_template(args.template, values_from_pairs(args.var)),
                            args)  # fmt: skip
    request = Request(
        kind=command, points=_read(args.points), thread=_read(args.thread),
        tone=args.tone, length=args.length, language=args.language, recipient=args.to,
        role=args.role, libraries=tuple(args.library),
    )  # fmt: skip
    request.check()
    cancel = CancelToken()
    try:
        with on_ctrl_c(cancel.cancel):
            status("Writing the draft…")
            made = drafts.draft(request, model=args.model, seed=args.seed, cancel=cancel)
    except Cancelled:
        print("Stopped.", file=sys.stderr)
        return INTERRUPTED
    return _print_draft(core, made, args)


def _signature(core: Core, args: argparse.Namespace) -> int:
    mine = core.settings.email
    changed = False
    for field, value in (("sender_name", args.name), ("sender_address", args.address),
                         ("signature", args.text)):  # fmt: skip
        if value is not None:
            setattr(mine, field, value.replace("\\n", "\n").strip())
            changed = True
    if changed:
        core.settings.save()
    print(f"Name: {mine.sender_name or '(not set)'}\nAddress: {mine.sender_address or '(not set)'}")
    print("Signature:\n" + (mine.signature or mine.sender_name or "(none)"))
    return OK


def _print_draft(core: Core, made: Any, args: argparse.Namespace) -> int:
    from hushdesk.assistant.email import review

    notes = review(made)
    if args.out:
        core.drafts.export(made, args.out)
        print(f"Saved to {args.out} (draft {made.id})", file=sys.stderr)
    elif args.json:
        print(json.dumps({**made.to_dict(), "review": notes}, indent=2, ensure_ascii=False))
        return OK
    else:
        print(f"Subject: {made.subject}\n\n{made.body}")
    if made.citations:
        cited = set(made.cited)
        print("\nSources:", file=sys.stderr)
        for c in made.citations:
            mark = "cited" if c.n in cited else "not used"
            print(f"  [{c.n}] {c.where} ({mark})", file=sys.stderr)
    for note in notes:
        print(f"Note: {note}", file=sys.stderr)
    return OK


def templates(core: Core, args: argparse.Namespace) -> int:
    service = core.drafts.templates
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
        chosen = ([service.get(i) for i in args.ids] if args.ids
                  else [t for t in service.all() if not t.builtin])  # fmt: skip
        if not chosen:
            raise HushdeskError("You have no templates of your own yet: name the ones to export.")
        service.export(chosen, args.file)
        print(f"Exported {len(chosen)} template(s) to {args.file}")
    elif command == "duplicate":
        print(f"Copied to {service.duplicate(args.template).id}")
    elif command == "delete":
        service.delete(service.get(args.template).id)
    return OK


def writing(core: Core, args: argparse.Namespace) -> int:
    from hushdesk.assistant.writing import Writer

    text = _read(args.file)
    core.ensure_loaded(core.chat_model(args.model))
    writer = Writer(core.engine)
    cancel = CancelToken()
    job: dict[str, Any] = {"cancel": cancel, "progress": show_progress}
    result: dict[str, Any]
    try:
        with on_ctrl_c(cancel.cancel):
            if args.command == "rewrite":
                result = {"text": writer.rewrite(text, args.style, language=args.language, **job)}
            elif args.command == "translate":
                result = {"text": writer.translate(text, args.language, **job)}
            elif args.command == "proofread":
                checked = writer.proofread(text, **job)
                result = {"text": checked.text,
                          "changes": [c.describe() for c in checked.changes]}  # fmt: skip
            else:
                labels = [label for label in args.labels.split(",") if label.strip()]
                chosen = writer.classify(text, labels, cancel=cancel)
                result = {"label": chosen.label, "reason": chosen.reason,
                          "certain": chosen.certain}  # fmt: skip
    except Cancelled:
        clear_progress()
        print("Stopped.", file=sys.stderr)
        return INTERRUPTED
    clear_progress()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    elif "label" in result:
        print(f"{result['label']}\t{result['reason']}")
    else:
        print(result["text"])
        for change in result.get("changes", []):
            print(f"  - {change}", file=sys.stderr)
    return OK


def _read(source: str | None) -> str:
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
