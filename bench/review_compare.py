"""Comparing two versions of a document, measured on real texts with known edits: are
the planted edits found, is anything else (a formatting difference) reported, and what
does the summary keep.

    .venv/bin/python bench/review_compare.py                          # the starter model
    .venv/bin/python bench/review_compare.py --models qwen2.5-coder-1.5b
    .venv/bin/python bench/review_compare.py --models none            # no summary

The documents and their edits are in bench/sets/review_compare.toml: Debian's Apache-2.0 and
GPL-3 printed into PDFs, and each edited copy printed with another layout (wrap width,
hyphenated line ends, running header, page numbers), so that formatting differences
are there to be mistaken for changes. Found and spurious need no model; the summary's
lines count its statements: written by the model and kept (each backed by the changes
it cites), made from the changes the model left out, and dropped. ``measure_compare``
is the part ``bench/review.py`` calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from hushdesk import privacy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from tests.documents import edited, planted, printed_pdf, real_text, reflowed  # noqa: E402

from quality import MODELS, real_model  # noqa: E402

SET = HERE / "sets" / "review_compare.toml"
TARGET_SPURIOUS = 3


def versions(document: dict, folder: Path) -> tuple[Path, Path]:
    """The real text printed, and its edited copy printed with another layout."""
    text = real_text(document["name"])
    old = printed_pdf(folder / f"{document['name']} (old).pdf", document["header"], text)
    changed = edited(text, [(e["old"], e["new"]) for e in document["edit"]])
    new = printed_pdf(
        folder / f"{document['name']} (new).pdf",
        document["new_header"],
        reflowed(changed, document["width"], hyphenate=3),
        footer=document["new_footer"],
    )
    return old, new


def measure_compare(model: str | None, *, summary: bool = True) -> list[str]:
    """The figures as lines (``review.compare.…``), per document and over all of them.
    ``model``: an installed model's id or a .gguf path (None: the default model)."""
    from hushdesk.app import App

    documents = tomllib.loads(SET.read_text(encoding="utf-8"))["document"]
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-compare-"))
    lines: list[str] = []
    found = planted_total = spurious_total = 0
    kept = made = dropped = 0
    seconds: list[float] = []
    app = App()
    try:
        for document in documents:
            old, new = versions(document, folder)
            start = time.perf_counter()
            result = app.compare.run(old, new, summary=summary, model=model)
            seconds.append(time.perf_counter() - start)
            edits = document["edit"]
            hits = [
                any(planted(c, e["old"], e["new"], e["kind"]) for c in result.changes)
                for e in edits
            ]
            extra = [
                c
                for c in result.changes
                if not any(planted(c, e["old"], e["new"], e["kind"]) for e in edits)
            ]
            name = document["name"].lower()
            lines.append(f"review.compare.{name}.edits_found: {sum(hits)}/{len(edits)}")
            lines.append(
                f"review.compare.{name}.spurious: {len(extra)} (target ≤ {TARGET_SPURIOUS})"
            )
            for edit, hit in zip(edits, hits, strict=True):
                if not hit:
                    print(f"  {name}: missed {edit['what']}", file=sys.stderr)
            for change in extra:
                side = change.new or change.old
                text = side.text[:100] if side else ""
                print(f"  {name}: spurious {change.kind}: {text}", file=sys.stderr)
            found += sum(hits)
            planted_total += len(edits)
            spurious_total += len(extra)
            if result.summary is not None:
                kept += sum(s.written for s in result.summary.statements)
                made += sum(not s.written for s in result.summary.statements)
                dropped += result.summary.dropped
                for statement in result.summary.statements:
                    mark = "model" if statement.written else "made "
                    print(
                        f"  {name} {mark} {statement.changes}: {statement.text[:110]}",
                        file=sys.stderr,
                    )
            for note in result.notes:
                print(f"  {name}: {note}", file=sys.stderr)
    finally:
        app.close()
    lines.append(f"review.compare.edits_found: {found}/{planted_total} (target all)")
    lines.append(
        f"review.compare.spurious: {spurious_total} (target ≤ {TARGET_SPURIOUS} per document)"
    )
    if summary:
        lines.append(
            f"review.compare.summary: {kept} statements by the model kept, {made} made "
            f"from changes it left out, {dropped} dropped (unsupported)"
        )
    lines.append(
        f"review.compare.seconds: {', '.join(f'{s:.1f}' for s in seconds)} "
        f"(per document, {'with' if summary else 'without'} the summary)"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default="starter", help=f"{', '.join(MODELS)}, or none (no summary)"
    )
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    fetched = {n: (real_model(m) if (m := MODELS.get(n)) else None) for n in names if n != "none"}
    privacy.apply()  # fetching is done: from here on, nothing leaves the machine
    from tests.keys import use_passphrase_file

    out = []
    for name in names:
        os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
        use_passphrase_file()
        print(f"{name}:", file=sys.stderr)
        gguf = fetched.get(name)
        lines = measure_compare(str(gguf) if gguf else None, summary=name != "none")
        out += [f"review.compare.model: {name}", *lines]
    for line in out:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
