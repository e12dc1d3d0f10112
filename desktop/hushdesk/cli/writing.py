"""``hushdesk rewrite|proofread|translate|classify``: writing tasks on the same service
the Writing tab uses."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hushdesk.app import App
from hushdesk.cli import clipboard
from hushdesk.cli.draft import read_text
from hushdesk.cli.terminal import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    interruptible,
    printable,
    show_progress,
)
from hushdesk.errors import HushdeskError
from hushdesk.services.notices import too_small
from hushdesk.services.writing import (
    Classification,
    Proofread,
    Rewritten,
    Task,
    labels_from,
    styles,
)


def add_parsers(sub: Any) -> None:
    def text_command(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        p.add_argument("file", nargs="?", default="-", help="the text: a file, or '-' (stdin)")
        p.add_argument(
            "--clipboard",
            action="store_true",
            help="take the text from the clipboard; the result goes back on it",
        )
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


def run(app: App, args: argparse.Namespace) -> int:
    text = clipboard.read() if args.clipboard else read_text(args.file)
    if args.clipboard and not text.strip():
        raise HushdeskError("The clipboard holds no text: copy some, then run this again.")
    task = Task(
        args.command,
        style=getattr(args, "style", "clearer"),
        language=getattr(args, "language", None),
        labels=labels_from(getattr(args, "labels", "")),
    )
    done = interruptible(
        lambda cancel: app.writing.run(
            task, text, model=args.model, cancel=cancel, progress=show_progress
        )
    )
    if done is None:
        return EXIT_INTERRUPTED
    result: dict[str, Any]
    if isinstance(done, Classification):
        result = {"label": done.label, "reason": done.reason, "certain": done.certain}
    elif isinstance(done, Proofread):
        result = {"text": done.text, "changes": [c.describe() for c in done.changes]}
    else:
        result = {"text": done.text, "model_struggled": done.model_struggled}
    if args.clipboard and "text" in result:
        clipboard.write(result["text"])
        print("The result is on the clipboard.", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    elif "label" in result:
        print(printable(f"{result['label']}\t{result['reason']}"))
    else:
        print(printable(result["text"]))
        for change in result.get("changes", []):
            print(f"  - {change}", file=sys.stderr)
        if isinstance(done, Rewritten) and done.model_struggled:
            said = too_small(
                "translate" if task.kind == "translate" else "rewrite", "hushdesk models search"
            )
            print(f"Warning: {said}.", file=sys.stderr)
    return EXIT_OK
