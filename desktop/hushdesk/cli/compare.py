"""``hushdesk compare OLD NEW``: what changed between two versions of a document, with
the page on each side; a summary of the material changes; a Word redline (--out)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, interruptible, printable, show_progress
from hushdesk.jobs import CancelToken
from hushdesk.services.compare import Change, Comparison

QUOTE_CHARS = 400  # of a wording on the terminal (--json and --out have it whole)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two versions of a document: what changed, with pages",
        description="Compare two versions of a document (PDF, DOCX, text …): every "
        "changed, added, removed or moved clause with the old and the new wording and "
        "the page on each side, and a summary of the material changes. Formatting "
        "(line breaks, hyphenation, headers, page numbers) is no change.",
    )
    p.add_argument("old", type=Path, help="the old version")
    p.add_argument("new", type=Path, help="the new version")
    p.add_argument(
        "--out", type=Path, metavar="FILE.docx", help="save a redline (Word, tracked changes)"
    )
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    p.add_argument("--no-summary", action="store_true", help="list the changes only (no model)")
    p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")


def run(app: App, args: argparse.Namespace) -> int:
    def work(cancel: CancelToken) -> Comparison:
        return app.compare.run(
            args.old.expanduser(),
            args.new.expanduser(),
            summary=not args.no_summary,
            model=args.model,
            progress=show_progress,
            cancel=cancel,
        )

    result = interruptible(work)
    if result is None:
        return EXIT_INTERRUPTED
    for note in result.notes:
        print(printable(f"hushdesk: {note}"), file=sys.stderr)
    if args.out:
        app.compare.export(result, args.out.expanduser())
        print(printable(f"Redline saved to {args.out}"), file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(printable(text(result)), end="")
    return EXIT_OK


def text(result: Comparison) -> str:
    """The comparison as the terminal shows it: the summary, then each change."""
    lines = [f"{result.old.name} → {result.new.name}: {_count(result)}", ""]
    if result.summary is not None and result.summary.statements:
        lines.append("Summary:")
        for statement in result.summary.statements:
            cited = ", ".join(f"[{n}]" for n in statement.changes)
            lines.append(f"- {statement.text} {cited} ({result.statement_pages(statement)})")
        lines.append("")
    for n, change in enumerate(result.changes, start=1):
        lines.append(f"[{n}] {change.kind} ({result.pages(change)})")
        lines += _sides(change)
        lines.append("")
    return "\n".join(lines)


def _count(result: Comparison) -> str:
    n = len(result.changes)
    return "no changes (formatting aside)" if n == 0 else f"{n} change{'s' * (n != 1)}"


def _sides(change: Change) -> list[str]:
    if change.kind in ("changed", "moved") and change.words:
        gone, came = change.spans()
        out = []
        if change.old is not None:
            out.append(f"    old: {_cut(change.old.text)}")
        if change.new is not None:
            out.append(f"    new: {_cut(change.new.text)}")
        if (gone or came) and change.old is not None and gone != change.old.text:
            out.append(f"    {_cut(gone) or '(nothing)'} → {_cut(came) or '(nothing)'}")
        return out
    side = change.old or change.new
    return [f"    {_cut(side.text)}"] if side else []


def _cut(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
