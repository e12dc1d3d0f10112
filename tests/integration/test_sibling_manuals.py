"""Retrieval that tells sibling documents apart, on the real parts: three real GNU manuals
(grep, sed and gzip, Debian's own Info pages, printed as PDFs) that share option letters with
different meanings, real embeddings, the real store. The held-out set of
bench/quality.py measures the same over whole manuals; these pin its failure modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushdesk.app import App
from tests.documents import printed_pdf, real_manual

pytestmark = pytest.mark.slow

# The opening chapters: what the tools do, how they are invoked, every option.
MANUALS = {
    "GNU-grep.pdf": ("GNU Grep manual", "grep"),
    "GNU-sed.pdf": ("GNU sed", "sed"),
    "GNU-gzip.pdf": ("GNU Gzip manual", "gzip"),
}
CHARS = 40_000


def test_the_manual_a_question_names_is_ranked_first_and_each_page_once(tmp_path: Path) -> None:
    app = App()
    try:
        paths = [
            printed_pdf(tmp_path / name, title, real_manual(source)[:CHARS])
            for name, (title, source) in MANUALS.items()
        ]
        library = app.documents.library("Manuals")
        report = app.library.ingest(library, paths)
        assert all(e.status != "failed" for e in report.events), report.events

        # "-i" is "ignore case" in grep and "edit in place" in sed: the question says which.
        grep = app.documents.search(library, "In grep, what does the -i option do?", k=5)
        assert grep.hits[0].file.name == "GNU-grep.pdf"
        assert grep.hits[0].defines
        assert "--ignore-case" in grep.hits[0].chunk.text
        sed = app.documents.search(library, "What does the -i option do in sed?", k=5)
        assert sed.hits[0].file.name == "GNU-sed.pdf"
        assert sed.named == {sed.hits[0].file.id}  # "sed": nearly all its passages are sed's
        assert any("--in-place" in h.chunk.text for h in sed.hits[:2])

        # Each passage's vector carries its manual's name (chunker.heading): a reworded
        # question (bench/sets/manuals.toml) finds grep's exit statuses, which the three
        # manuals' passages on errors and exit codes outranked before.
        question = (
            "If grep runs into a problem such as an unreadable file, what numeric code "
            "does it finish with?"
        )
        hits = app.documents.search(library, question, k=5).hits
        assert any("2 if an error occurred" in " ".join(h.chunk.text.split()) for h in hits)

        # No page twice in the top five while other pages hold the words.
        for question in ("What does the -n option do in sed?", "How do I count matches?"):
            hits = app.documents.search(library, question).hits
            pages = [(h.file.id, h.chunk.page) for h in hits]
            assert len(pages) == len(set(pages)), question
    finally:
        app.close()
