"""Review grids (issue 34) measured on real documents with real models: the same
questions asked of every document of one kind, each cell scored against an answer key
written by hand.

    .venv/bin/python bench/review.py                                  # every model
    .venv/bin/python bench/review.py --models starter                 # the bundled model
    .venv/bin/python bench/review.py --models qwen2.5-coder-1.5b --limit 3   # a quick try
    .venv/bin/python bench/review.py --models qwen2.5-coder-1.5b --limit 6:13  # the rest
    .venv/bin/python bench/review.py --parts grid                     # the grid part only

The key (bench/sets/review_grid.toml, read by quality_sets.py) holds thirteen licences
of Debian's base-files, printed into PDFs with a running header and a page footer as
bench/quality.py prints its sets, five questions (name and version, publisher, date,
patent licence, governing law) with their answer types, and per cell the accepted ways
to write the key facts, the phrase of the text that holds them, or that the document
does not say. The models are those of bench/quality.py (the bundled SmolLM2-135M, the
Qwen2.5-Coder 0.5B and 1.5B GGUF files cached in ``$HUSHDESK_BENCH_CACHE``, else
~/.cache/hushdesk-bench), each in a fresh data folder.

The grid goes through the app's own path (``Reviews.create`` and ``Reviews.run``, as
``hushdesk grid`` and the Review page do). Per model it prints: cells correct (an
answered cell that holds the key facts, or "Not stated" where the document does not
say), answerable correct (the same over the cells the document answers: a model that
says "Not stated" everywhere scores nothing here), cites own document (every source of
every answered cell is that cell's document), cited right page (an answered cell whose
key has a phrase cites a page that holds it), false not stated (answerable cells
answered "Not stated"), not stated right (the cells the documents truly do not answer,
answered "Not stated"), seconds per cell; and cells correct per column. Typed: the
answered date and yes/no cells that show a date, or Yes or No (else the cell shows the
answer's sentence). Every cell, with its sources and the
answer check's decisions, is written to ``<cache>/review-grid-<model>.json`` for reading.

Parts: ``grid`` (this file). ``compare`` belongs to bench/review_compare.py: when that
module is there, its ``measure_compare(model, gguf, folder)`` is called once per model
in a fresh data folder (``model`` the name given to --models, ``gguf`` its file or None
for the starter, ``folder`` where the documents may be printed) and returns the lines
it prints.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from quality import MODELS, fresh_home, real_model  # noqa: E402
from quality_sets import (  # noqa: E402
    CACHE,
    GRIDS,
    document_text,
    documents,
    norm,
    page_texts,
    pages_holding,
)

KEY = GRIDS["review_grid"]
TARGET_CORRECT = "target ≥ 0.8 with the 1.5B model"
TARGET_CORRECT_1_5B = "target ≥ 0.8"
TARGET_OWN = "target 1.00"
_MARKS = re.compile(r"\s*\[\d{1,2}\]")
_YES_NO = re.compile(r"\W*(yes|no)\b", re.IGNORECASE)


# -- the key ------------------------------------------------------------------------------


def key_documents(limit: slice | None) -> list[dict]:
    """The key's documents (those of ``limit``), each with the set's running title,
    as quality_sets prints them."""
    docs = KEY["document"][limit] if limit else KEY["document"]
    return [{**d, "title": KEY["title"]} for d in docs]


def words(text: str) -> str:
    """Lower case, punctuation as spaces, padded: whole-word matching by ``in``."""
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split()) + " "


def holds(text: str, groups: list[list[str]]) -> bool:
    """Whether ``text`` holds one variant of every group of key facts (a number as a
    whole: "version 2" is not in "version 2.1")."""
    said = words(text)

    def found(variant: str) -> bool:
        wanted = words(variant)
        tail = r"(?! \d)" if wanted.split()[-1:] and wanted.split()[-1].isdigit() else ""
        return re.search(re.escape(wanted[:-1]) + r"(?= )" + tail, said) is not None

    return all(any(found(v) for v in group) for group in groups)


def right_answer(column: dict, expected: dict, value: str, text: str) -> bool:
    """Whether an answered cell's value (what the cell shows) or its text holds the key
    facts: a date also compared as a date, a yes/no by the cell's Yes or No."""
    from hushdesk.assistant.dates import find_date

    groups = expected.get("answer", [])
    if not groups:
        return False
    if column["type"] == "yes/no":
        said = _YES_NO.match(value) or _YES_NO.match(text)
        return said is not None and said.group(1).lower() == groups[0][0].lower()
    if column["type"] == "date":
        found = find_date(value) or find_date(text)
        if found is not None and any(find_date(v) == found for v in groups[0]):
            return True
    return holds(f"{value} {text}", groups)


def _documents(text: str) -> slice:
    """``--limit``: N (the first N documents) or A:B."""
    start, sep, stop = text.partition(":")
    if not sep:
        return slice(None, int(text))
    return slice(int(start) if start else None, int(stop) if stop else None)


# -- one model ------------------------------------------------------------------------------


def measure_grid(
    model_name: str, gguf: Path | None, folder: Path, limit: slice | None
) -> list[str]:
    """The key's grid answered by one model in the current data folder: the cells
    scored, kept in ``<cache>/review-grid-<model>.json``, and the figure lines."""
    from hushdesk.app import App
    from hushdesk.services.review import Cell, sources

    docs = key_documents(limit)
    columns = KEY["column"]
    paths = documents(folder, {"document": docs})
    app = App()
    try:
        model = app.runtime.chat_model(str(gguf) if gguf else None)
        print(f"  prompts: {model.prompt_family or 'as written'}", file=sys.stderr)
        library = app.documents.library("Bench review grid")
        app.library.ingest(library, paths)
        where = expected_pages(page_texts(app, library, paths), docs)
        grid = app.reviews.create(
            library.name, [(c["question"], c["type"], ()) for c in columns], name="Licences"
        )
        by_name = {d["file"]: d for d in docs}
        assert [d.name for d in grid.documents] == [d["file"] for d in docs]
        app.runtime.ensure_loaded(model)  # the load is not a cell's time
        out_file = CACHE / f"review-grid-{model_name}.json"
        rows: list[dict] = []  # written as each cell comes: a stopped run leaves its cells
        last = [time.perf_counter()]

        def on_cell(cell: Cell) -> None:
            now = time.perf_counter()
            took, last[0] = now - last[0], now
            doc = next(d for d in grid.documents if d.id == cell.file_id)
            d, spec = by_name[doc.name], columns[cell.column_id - 1]
            out = {  # as Grid.to_json writes a cell
                "answer": cell.value,
                "state": cell.state,
                "text": cell.answer,
                "sources": [
                    {"file": c.file, "page": c.page, "passage": c.passage} for c in sources(cell)
                ],
            }
            verdict = score(spec, d["cells"][spec["id"]], out, doc.name,
                            where.get((d["key"], spec["id"])))  # fmt: skip
            if not rows or rows[-1]["document"] != doc.name:
                rows.append({"key": d["key"], "document": doc.name, "cells": []})
            rows[-1]["cells"].append(verdict | {"seconds": round(took, 1), "checks": cell.checks})
            out_file.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
            print(
                f"  {d['key']:<9} {spec['id']:<9} {cell.state:<10} {took:5.1f}s "
                f"{'right' if verdict['correct'] else 'WRONG'} {cell.value[:60]!r}",
                file=sys.stderr,
            )

        started = time.perf_counter()
        app.reviews.run(grid.id, model=model.id, on_cell=on_cell)
        total_s = time.perf_counter() - started
    finally:
        app.close()
    print(f"  cells written to {out_file}", file=sys.stderr)
    return report(model_name, rows, columns, total_s)


def expected_pages(
    pages: dict[str, dict[int, str]], docs: list[dict]
) -> dict[tuple[str, str], list[int]]:
    """Each phrased cell's pages, (document key, column id) → the pages that hold its
    phrase: found in the printed documents before the grid runs."""
    titles = {norm(KEY["title"])}
    out = {}
    for d in docs:
        for column_id, expected in d["cells"].items():
            if expected.get("phrase"):
                held = pages_holding(pages[d["file"]], expected["phrase"], titles)
                assert held, f"{d['key']} {column_id}: {expected['phrase']!r} is on no page"
                out[(d["key"], column_id)] = sorted(held)
    return out


def score(column: dict, expected: dict, out: dict, file: str, held: list[int] | None) -> dict:
    """One cell as the grid gave it (``out``, as ``Grid.to_json`` writes a cell), with
    the key's verdicts; ``held``: the pages that hold the key's phrase."""
    state = out["state"]
    value = str(out["answer"] or "")
    text = _MARKS.sub("", out["text"] or "")
    answered = state in ("answered", "edited")
    not_stated = bool(expected.get("not_stated"))
    either = bool(expected.get("either"))
    if answered:
        correct = not not_stated and right_answer(column, expected, value, text)
    else:
        correct = state == "not stated" and (not_stated or either)
    verdict: dict = {
        "column": column["id"],
        "state": state,
        "answer": value,
        "text": out["text"],
        "sources": [
            {"file": s["file"], "page": s["page"], "passage": s["passage"][:300]}
            for s in out["sources"]
        ],
        "key": {k: v for k, v in expected.items() if k != "note"},
        "correct": correct,
    }
    if answered and column["type"] in ("date", "yes/no"):
        from hushdesk.assistant.dates import find_date

        verdict["typed"] = (
            find_date(value) is not None if column["type"] == "date" else value in ("Yes", "No")
        )
    if answered:
        verdict["own_document"] = bool(out["sources"]) and all(
            s["file"] == file for s in out["sources"]
        )
        if held:
            verdict["expected_pages"] = held
            verdict["right_page"] = any(
                s["file"] == file and s["page"] in held for s in out["sources"]
            )
    return verdict


def share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def report(model: str, rows: list[dict], columns: list[dict], total_s: float) -> list[str]:
    """The figure lines of one model's grid: over every cell, then cells correct per
    column."""
    cells = [c for r in rows for c in r["cells"]]
    answered = [c for c in cells if "own_document" in c]
    answerable = [c for c in cells if not c["key"].get("not_stated") and not c["key"].get("either")]
    unstated = [c for c in cells if c["key"].get("not_stated") and not c["key"].get("either")]
    target = TARGET_CORRECT_1_5B if model == "qwen2.5-coder-1.5b" else TARGET_CORRECT
    prefix = f"review.grid.{model}"
    figures: list[tuple[str, list[bool], str]] = [
        ("cells_correct", [c["correct"] for c in cells], target),
        ("answerable_correct", [c["correct"] for c in answerable], ""),
        ("cites_own_document", [c["own_document"] for c in answered], TARGET_OWN),
        ("cited_right_page", [c["right_page"] for c in answered if "right_page" in c], ""),
        ("false_not_stated", [c["state"] == "not stated" for c in answerable], ""),
        ("not_stated_right", [c["state"] == "not stated" for c in unstated], ""),
        ("typed", [c["typed"] for c in answered if "typed" in c], ""),
        ("answered", [c["state"] == "answered" for c in cells], ""),
        ("failed", [c["state"] == "failed" for c in cells], ""),
    ]
    lines = []
    for name, values, note in figures:
        value = share(values)
        shown = "n/a" if value != value else f"{value:.2f}"
        lines.append(f"{prefix}.{name}: {shown} (n={len(values)}{', ' + note if note else ''})")
    took = sorted(c["seconds"] for c in cells)
    median = took[len(took) // 2] if took else float("nan")
    lines.append(
        f"{prefix}.seconds_per_cell: {total_s / max(len(cells), 1):.1f} s "
        f"(mean of {len(cells)} cells, {len(rows)} documents × {len(columns)} questions; "
        f"median {median:.1f} s, first cell {cells[0]['seconds'] if cells else 0:.1f} s)"
    )
    for column in columns:
        own = [c for c in cells if c["column"] == column["id"]]
        lines.append(
            f"{prefix}.column.{column['id']}.cells_correct: "
            f"{share([c['correct'] for c in own]):.2f} (n={len(own)})"
        )
    return lines


def rescore(model: str) -> list[str]:
    """The cells saved by the model's last run, scored again against the key (no model
    runs): the figures anew after a change to the scoring, never to the key."""
    rows = json.loads((CACHE / f"review-grid-{model}.json").read_text(encoding="utf-8"))
    docs = {d["key"]: d for d in KEY["document"]}
    columns = {c["id"]: c for c in KEY["column"]}
    for row in rows:
        for i, cell in enumerate(row["cells"]):
            expected = docs[row["key"]]["cells"][cell["column"]]
            held = cell.get("expected_pages")
            row["cells"][i] = cell | score(
                columns[cell["column"]], expected, cell, row["document"], held
            )
    total_s = sum(c["seconds"] for r in rows for c in r["cells"])
    return report(model, rows, KEY["column"], total_s)


# -- the parts ------------------------------------------------------------------------------


def compare_part() -> Callable[[str, Path | None, Path], list[str]] | None:
    """bench/review_compare.py's ``measure_compare``, where that module is there."""
    try:
        from review_compare import measure_compare  # type: ignore[import-not-found]
    except ImportError:
        return None
    return measure_compare  # type: ignore[no-any-return]


PARTS = ("grid", "compare")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=", ".join(MODELS))
    parser.add_argument("--parts", default=",".join(PARTS), help=", ".join(PARTS))
    parser.add_argument("--limit", type=_documents, metavar="N|A:B",
                        help="the key's first N documents only, or those from A to B "
                        "(counted from 0, as Python slices: 6:13 is the last seven)")  # fmt: skip
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="no model: score the cells saved by each model's last grid run again",
    )
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    parts = [p for p in args.parts.split(",") if p]
    for name in names + parts:
        if name not in MODELS and name not in PARTS:
            parser.error(f"unknown model or part: {name}")
    if args.rescore:
        for line in (line for name in names for line in rescore(name)):
            print(line)
        return 0
    compare = compare_part() if "compare" in parts else None
    if "compare" in parts and compare is None:
        print("note: no bench/review_compare.py yet: the compare part is skipped", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    models = {n: (real_model(m) if (m := MODELS[n]) else None) for n in names}
    for doc in key_documents(args.limit):  # fetched before the network goes
        document_text(doc)

    from hushdesk import privacy

    privacy.apply()  # fetching is done: from here on, nothing leaves the machine
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-review-"))
    lines = []
    for name, gguf in models.items():
        print(f"{name}:", file=sys.stderr)
        if "grid" in parts:
            fresh_home()
            lines += measure_grid(name, gguf, folder / "grid", args.limit)
        if compare is not None:
            fresh_home()
            lines += compare(name, gguf, folder / "compare")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
