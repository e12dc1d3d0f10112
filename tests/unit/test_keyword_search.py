"""Keyword search ranks in the full-text index alone, then keeps this library's done
files: a library whose passages rank below another's still finds its own."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from hushdesk.library.chunker import Chunk
from hushdesk.library.document import LoadedDocument, PageText
from hushdesk.library.store import DocumentStore, Library
from tests.keys import vault_key


@pytest.fixture
def store() -> Iterator[DocumentStore]:
    store = DocumentStore(vault_key("library"))
    yield store
    store.close()


def _file(store: DocumentStore, library: Library, name: str, texts: list[str]) -> list[int]:
    path = f"/docs/{library.name}/{name}"
    digest = hashlib.sha256(path.encode()).hexdigest()
    file_id = store.queue(library, path, sha256=digest, size=1, mtime=0)
    chunks = [Chunk(page=1, start=0, end=1, text=t) for t in texts]
    document = LoadedDocument("pdf", path, [PageText(1, "")])
    _, ids = store.replace_content(file_id, document, chunks)
    store.set_status(file_id, "done")
    return list(ids)


def test_a_library_outranked_by_another_still_finds_its_passages(store: DocumentStore) -> None:
    big = store.library("Big", embedding_model="m")
    small = store.library("Small", embedding_model="m")
    _file(store, big, "a.pdf", [f"notice notice notice, item {i}" for i in range(300)])
    mine = _file(store, small, "b.pdf", ["the notice period is long", "nothing here", "notice"])
    found = store.keyword_search(small, "notice", 40)
    assert sorted(c for c, _ in found) == sorted([mine[0], mine[2]])
    assert len(store.keyword_search(big, "notice", 40)) == 40
    scores = [s for _, s in store.keyword_search(big, "notice item 7", 40)]
    assert scores == sorted(scores)  # best (lowest bm25) first


def test_words_in_most_passages_are_left_out_once_they_would_cost_too_much(
    store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.library import keywords as module

    library = store.library("L", embedding_model="m")
    texts = [f"the clause {i} of the deed" for i in range(50)]
    texts += ["the café escrow deposit", "escrowed funds", "periodic review"]
    ids = _file(store, library, "a.pdf", texts)
    everything = store.keyword_expression("What is the ESCROW")
    assert everything == '"what" OR "is" OR "the" OR "escrow"*'  # a small library: every word
    monkeypatch.setattr(module, "MATCH_BUDGET", 10)
    assert store.keyword_expression("What is the ESCROW") == '"what" OR "is" OR "escrow"*'
    assert store.keyword_expression("Where is the cafe?") == '"where" OR "is" OR "cafe"*'
    assert store.keyword_expression("the deed") == '"deed"'  # the rarest is always kept
    found = {c for c, _ in store.keyword_search(library, "What is the escrow", 10)}
    assert found == {ids[50], ids[51]}  # "escrow" and, as the last word, "escrowed"
    monkeypatch.setattr(module, "PREFIX_WORDS", 0)  # a prefix of too many words: as it is
    assert store.keyword_expression("the escrow") == '"escrow"'


def test_which_files_hold_a_word_is_counted_within_the_match_budget(
    store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.library import keywords as module

    library = store.library("Manuals", embedding_model="m")
    sed = _file(store, library, "sed.pdf", [f"sed command {i}" for i in range(30)])
    grep = _file(store, library, "grep.pdf", ["grep, unlike sed, reads no script", "grep -i"])
    files = {store.chunks(library, ids)[ids[0]].file_id: n for ids, n in ((sed, 30), (grep, 1))}
    assert store.holders(library, "sed") == files
    monkeypatch.setattr(module, "MATCH_BUDGET", 10)
    assert sum(store.holders(library, "SED").values()) == 10  # a share, not every passage
