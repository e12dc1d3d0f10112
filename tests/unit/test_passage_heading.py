"""A passage's vector is computed with its document's name above it (chunker.heading):
sibling documents that say the same things are told apart by the name. The stored and
cited text stays the passage alone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hushdesk.app import App
from hushdesk.library.chunker import HEADING_CHARS, embedding_text, heading
from hushdesk.library.libraries import DocumentLibrary
from hushdesk.library.store import SCHEMA, DocumentStore
from hushdesk.services.documents import Documents
from tests.fakes import FakeEmbedder, FakeEngine
from tests.keys import TEST_KEY


def test_the_heading_is_the_name_as_a_reader_writes_it() -> None:
    assert heading("GNU-grep.pdf", "GNU-grep") == "GNU grep"
    assert heading("lease_2024.final.docx", None) == "lease 2024 final"
    assert heading("notes", "") == "notes"
    # A title of its own says more than the name: both, the title first.
    assert heading("msa_v3.pdf", "Master Services Agreement") == (
        "Master Services Agreement\nmsa v3"
    )
    # A title that is only the name again is not said twice.
    assert heading("Microsoft Word - x.pdf", "Microsoft Word - x") == "Microsoft Word x"


def test_a_hostile_title_cannot_crowd_the_passage_out_of_its_vector() -> None:
    line = heading("a" * 10_000 + ".pdf", "Title\n" * 10_000)
    assert len(line) <= 2 * HEADING_CHARS + 1
    assert embedding_text("The rent is 900 euros.", "") == "The rent is 900 euros."
    assert embedding_text("The rent is 900 euros.", "lease") == "lease\nThe rent is 900 euros."


class _Seen(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        return super().embed(texts)


def _library(tmp_path: Path, embedder: FakeEmbedder) -> tuple[App, DocumentLibrary]:
    app = App(engine=FakeEngine())
    store = DocumentStore(TEST_KEY, tmp_path / "library.sqlite")
    return app, DocumentLibrary(app.registry, store, embedder_factory=lambda _model: embedder)


def test_vectors_carry_the_name_and_the_stored_passage_does_not(tmp_path: Path) -> None:
    (tmp_path / "sed-manual.md").write_text(
        "# Options\n\nThe -i option edits files in place.\n", encoding="utf-8"
    )
    embedder = _Seen()
    app, library = _library(tmp_path, embedder)
    documents = Documents(library, app.registry)
    try:
        manuals = documents.library("Manuals")
        assert not library.ingest(manuals, [tmp_path / "sed-manual.md"]).failed
        passages = [t for t in embedder.texts if "edits files in place" in t]
        assert passages
        assert all(t.startswith("sed manual\n") for t in passages)
        hit = documents.search(manuals, "What does -i do in sed?", k=1).hits[0]
        assert "edits files in place" in hit.chunk.text
        assert "sed manual" not in hit.chunk.text
    finally:
        library.close()
        app.close()


def test_files_embedded_before_the_heading_line_are_embedded_again(tmp_path: Path) -> None:
    """The store's migration for the heading line: every indexed file goes back to
    "embedding" (its text stays; the next indexing run computes its vectors anew)."""
    headed = max(n for n, m in enumerate(SCHEMA) if m.strip().startswith("UPDATE files SET status"))
    (tmp_path / "lease.md").write_text("The rent is 900 euros a month.\n", encoding="utf-8")
    app, library = _library(tmp_path, FakeEmbedder())
    try:
        leases = library.library("Leases")
        assert not library.ingest(leases, [tmp_path / "lease.md"]).failed
        with library.store._tx() as db:  # as a store of the version before the migration
            db.execute(f"PRAGMA user_version = {headed}")
    finally:
        library.close()
        app.close()
    reopened = DocumentStore(TEST_KEY, tmp_path / "library.sqlite")
    try:
        (record,) = reopened.files(reopened.libraries()[0])
        assert record.status == "embedding"
        assert reopened.chunks_of(record.id)  # the text stays: nothing is read again
    finally:
        reopened.close()
