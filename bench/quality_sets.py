"""The question sets of bench/quality.py: real documents no one here wrote, fetched from
Debian's packages and printed into PDFs, the questions asked of them, and where the
answers stand.

Each ``bench/sets/<name>.toml`` is one library of one kind (licences and a constitution;
a family of related technical manuals; project guidelines). A set lists its documents
(the Debian package and path they come from, the main topics a summary must name) and
its questions: answerable ones with the phrase of the text that holds the answer (its
page is the page a citation must point to, found after reading the PDF, so no page
number is written by hand), the ways the key fact may be written, whether the question
is reworded (shares few words with the passage) and whether it is held aside (no tuning
looks at it: it is reported on its own); and on-topic questions none of the documents
answers.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.documents import info_to_text, printed_pdf

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("HUSHDESK_BENCH_CACHE") or Path.home() / ".cache" / "hushdesk-bench")
SETS: dict[str, dict] = {
    path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((HERE / "sets").glob("*.toml"))
    if not path.stem.startswith("review_")
}
# The answer keys of bench/review.py (review_*.toml): one grid of questions over the
# documents of one kind, with the answer of every cell, and the planted edits of the
# comparison (review_compare.toml) — not question sets of this kind.
GRIDS: dict[str, dict] = {
    path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((HERE / "sets").glob("review_*.toml"))
    if path.stem != "review_compare"
}
EMAILS: list[dict] = tomllib.loads((HERE / "emails.toml").read_text(encoding="utf-8"))["email"]


def _package_file(package: str, path: str) -> Path:
    """``path`` of Debian's ``package``: from this system when it is there, else from the
    package fetched with apt into the cache."""
    local = Path(path)
    if local.exists():
        return local
    folder = CACHE / "debs" / package
    local = folder / path.lstrip("/")
    if not local.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", package], cwd=folder, check=True, timeout=600)
        (deb,) = folder.glob(f"{package}_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], check=True, timeout=600)
    return local


def document_text(doc: dict) -> str:
    """A document's text from the Debian package named in its ``source``
    ("package:/path"), as the bench prints it."""
    package, path = doc["source"].split(":", 1)
    data = _package_file(package, path).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    return info_to_text(text) if doc.get("format") == "info" else text


def documents(folder: Path, qs: dict) -> list[Path]:
    """The set's documents printed into PDFs under ``folder``."""

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for doc in qs["document"]:
        text = document_text(doc)
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != doc["sha256"]:
            print(
                f"note: {doc['file']} differs from the text the set was written on", file=sys.stderr
            )
        out.append(printed_pdf(folder / doc["file"], doc["title"], text))
    return out


def norm(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split()).lower()


def pages_holding(pages: dict[int, str], phrase: str, titles: set[str]) -> set[int]:
    """The pages on which ``phrase`` stands (both pages when it runs across a break)."""
    phrase = norm(phrase)
    found = {n for n, text in pages.items() if phrase in norm(text)}
    if not found:

        def body(text: str) -> str:  # without the running title and the page footer
            lines = [x for x in text.splitlines() if not re.fullmatch(r"\s*Page \d+\s*", x)]
            return "\n".join(x for x in lines if norm(x) not in titles)

        for a, b in itertools.pairwise(sorted(pages)):
            if phrase in norm(body(pages[a]) + " " + body(pages[b])):
                found |= {a, b}
    return found


def page_texts(app, library, paths: list[Path]) -> dict[str, dict[int, str]]:
    """Each indexed document's text, page by page, as the app read it from the PDF."""
    out: dict[str, dict[int, str]] = {}
    for path in paths:
        record = app.documents.ready_file(library, str(path))
        assert record is not None, f"{path.name} was not indexed"
        out[path.name] = {
            n: app.documents.page_text(record.id, n) for n in range(1, record.pages + 1)
        }
    return out


def expected_pages(app, library, paths: list[Path], qs: dict) -> dict[str, set[tuple[str, int]]]:
    """Each answerable question's (file, page) pairs: the pages that hold its evidence."""
    page_text = page_texts(app, library, paths)
    titles = {norm(d["title"]) for d in qs["document"]}
    out = {}
    for q in qs["answerable"]:
        pages = pages_holding(page_text[q["file"]], q["evidence"], titles)
        assert pages, f"evidence not found in {q['file']}: {q['evidence']!r}"
        out[q["question"]] = {(q["file"], p) for p in pages}
    return out


def retrieved(app, library, question: str, expected: set[tuple[str, int]]) -> tuple[bool, bool]:
    """Whether the app's search (hybrid, as answers use it) finds an expected page in its
    top 5, and first."""
    hits = app.documents.search(library, question, k=5).hits
    found = [(h.file.name, h.chunk.page) in expected for h in hits]
    return any(found), found[:1] == [True]


def in_prompt(app, library, question: str, phrase: str) -> tuple[bool, int]:
    """Whether the passages a cited answer is given hold ``phrase`` (the text that holds
    the answer; most of its runs of four words), and how many words they are: what the
    model can answer from, whatever the model."""
    from hushdesk.assistant.grounding import grounder_for

    grounding = grounder_for(app.library, [library.name])(question)
    text = norm(" ".join(c.passage for c in grounding.citations))
    return bool(text) and lifted(phrase, text), len(text.split())


def lifted(statement: str, source: str, n: int = 4) -> bool:
    """Whether a summary statement is lifted from the source rather than written: most of
    its runs of ``n`` words stand in the source as they are."""
    words = norm(statement).split()
    if len(words) < n:
        return norm(statement) in source
    grams = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    return sum(g in source for g in grams) >= 0.8 * len(grams)


def sources(citations: list[dict]) -> list[str]:
    """An answer's passages as its log keeps them: number, file, page and similarity."""
    return [f"[{c['n']}] {c['file']} p{c['page']} {c['score']}" for c in citations]
