"""The document libraries and a grounded chat through their real seams, on a fake
embedder and a fake engine: files read by the real reader child, stored in the real
encrypted store, searched by the real fused search, answered with typed citations."""

from __future__ import annotations

from pathlib import Path

from hushdesk.app import App
from hushdesk.library.ingest import READYING
from hushdesk.library.libraries import DocumentLibrary
from hushdesk.library.store import DocumentStore
from hushdesk.services.conversations import ChatSetup
from hushdesk.services.documents import Documents
from tests.fakes import FakeEmbedder, FakeEngine
from tests.keys import TEST_KEY

LEASE = """# Lease

## Rent

The tenant pays the rent of 900 euros on the first day of each month.

## Notice

Either party may end this lease with three months of written notice.
"""

MINUTES = """# Board minutes

The board approved the budget and thanked the treasurer for the annual report.
"""


def test_files_are_indexed_and_searched_on_a_fake_embedder(tmp_path: Path) -> None:
    (tmp_path / "lease.md").write_text(LEASE, encoding="utf-8")
    (tmp_path / "minutes.md").write_text(MINUTES, encoding="utf-8")
    embedder = FakeEmbedder()
    app = App(engine=FakeEngine())
    store = DocumentStore(TEST_KEY, tmp_path / "library.sqlite")
    library = DocumentLibrary(app.registry, store, embedder_factory=lambda _model: embedder)
    documents = Documents(library, app.registry)
    try:
        lease = documents.library("Lease")
        report = library.ingest(lease, [tmp_path / "lease.md", tmp_path / "minutes.md"])
        assert not report.failed
        assert sorted(Path(e.path).name for e in report.done) == ["lease.md", "minutes.md"]
        found = documents.search(lease, "How much notice ends the lease?", k=2)
        assert found.hits[0].file.name == "lease.md"
        assert "three months" in found.hits[0].chunk.text
        assert embedder.calls > 0
    finally:
        library.close()
        app.close()


def test_the_matching_model_getting_ready_is_said_not_shown_as_a_stuck_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "lease.md").write_text(LEASE, encoding="utf-8")
    embedder = FakeEmbedder()
    embedder.ready = False  # as on first use, before it is loaded
    app = App(engine=FakeEngine())
    store = DocumentStore(TEST_KEY, tmp_path / "library.sqlite")
    library = DocumentLibrary(app.registry, store, embedder_factory=lambda _model: embedder)
    labels: list[str] = []
    try:
        lease = Documents(library, app.registry).library("Lease")
        library.ingest(lease, [tmp_path / "lease.md"], progress=lambda p: labels.append(p.label))
        assert labels[0] == READYING
        assert labels[1].startswith("lease.md")
    finally:
        library.close()
        app.close()


def test_a_grounded_answer_cites_its_passage_typed(tmp_path: Path) -> None:
    (tmp_path / "lease.md").write_text(LEASE, encoding="utf-8")
    embedder = FakeEmbedder()
    app = App(engine=FakeEngine(reply="Three months of written notice [1]."))
    app.__dict__["library"] = DocumentLibrary(
        app.registry,
        DocumentStore(TEST_KEY, tmp_path / "library.sqlite"),
        embedder_factory=lambda _model: embedder,
    )
    try:
        app.library.ingest(app.documents.library("Lease"), [tmp_path / "lease.md"])
        chat = app.conversations.open(setup=ChatSetup(libraries=["Lease"]))
        answer = app.conversations.send(chat, "How much notice ends the lease?")
        answer.collect()
        assert answer.citations, answer.text
        assert answer.citations[0].file == "lease.md"
        assert "three months" in answer.citations[0].passage
        assert chat.turns[-1].citations == answer.citations  # kept with the turn
    finally:
        app.close()
