"""The vector index on a real (encrypted) store: loaded a page at a time, exact below
its threshold, grouped (inverted file) above it, reloaded when the vectors change."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from hushdesk.library.chunker import Chunk
from hushdesk.library.document import LoadedDocument, PageText
from hushdesk.library.index import VectorIndex
from hushdesk.library.store import DocumentStore, Library
from hushdesk.library.vector_rows import unit
from tests.keys import vault_key

DIMENSIONS = 32


@pytest.fixture
def store() -> Iterator[DocumentStore]:
    store = DocumentStore(vault_key("library"))
    yield store
    store.close()


def _fill(
    store: DocumentStore, library: Library, vectors: np.ndarray, path: str = "/docs/a.pdf"
) -> list[int]:
    """One file holding one passage per vector; the chunk ids, in order."""
    file_id = store.queue(library, path, sha256="a" * 64, size=1, mtime=0)
    chunks = [Chunk(page=1, start=0, end=1, text=f"passage {i}") for i in range(len(vectors))]
    _, ids = store.replace_content(file_id, LoadedDocument("pdf", path, [PageText(1, "")]), chunks)
    store.put_vectors(library, ids, vectors)
    store.set_status(file_id, "done")
    return list(ids)


def _topics(rng: np.random.Generator, n: int, topics: int = 40) -> np.ndarray:
    """Passages about a few topics each, as real embeddings are: near their topic."""
    centres = rng.standard_normal((topics, DIMENSIONS))
    rows = centres[rng.integers(0, topics, n)] + 0.25 * rng.standard_normal((n, DIMENSIONS))
    return rows.astype(np.float32)


def test_loaded_a_page_at_a_time_with_every_vector(store: DocumentStore) -> None:
    library = store.library("L", embedding_model="m")
    vectors = np.random.default_rng(1).standard_normal((250, DIMENSIONS)).astype(np.float32)
    ids = _fill(store, library, vectors)
    pages = list(store.vector_pages(library, size=100))
    assert [len(p[0]) for p in pages] == [100, 100, 50]
    assert [i for p in pages for i in p[0]] == ids
    stored = np.vstack([p[1] for p in pages])  # at length 1, in float16
    np.testing.assert_allclose(stored, unit(vectors), atol=1e-3)
    index = VectorIndex(store)
    assert index.count(library) == 250
    best = index.query(library, vectors[17], 3)
    assert best[0][0] == ids[17]
    assert best[0][1] == pytest.approx(1.0, abs=1e-3)  # float16, stored at length 1
    assert index.memory(library) >= 250 * DIMENSIONS * 4


def test_grouped_search_finds_what_the_exact_one_finds(store: DocumentStore) -> None:
    rng = np.random.default_rng(2)
    library = store.library("L", embedding_model="m")
    vectors = _topics(rng, 4000)
    _fill(store, library, vectors)
    exact, grouped = VectorIndex(store), VectorIndex(store, lists_from=1000)
    assert exact._matrix(library).lists is None
    lists = grouped._matrix(library).lists
    assert lists is not None
    assert len(lists.centres) == 63  # √4000
    assert int(lists.bounds[-1]) == 4000  # every row in one group
    found = []
    for i in rng.integers(0, 4000, 30):
        question = vectors[i] + 0.1 * rng.standard_normal(DIMENSIONS).astype(np.float32)
        want = {c for c, _ in exact.query(library, question, 10)}
        got = grouped.query(library, question, 10)
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        found.append(len(want & {c for c, _ in got}) / 10)
    assert np.mean(found) >= 0.9


def test_new_vectors_are_seen_by_the_next_search(store: DocumentStore) -> None:
    library = store.library("L", embedding_model="m")
    rng = np.random.default_rng(3)
    ids = _fill(store, library, rng.standard_normal((10, DIMENSIONS)).astype(np.float32))
    index = VectorIndex(store)
    assert index.count(library) == 10
    moved = rng.standard_normal((1, DIMENSIONS)).astype(np.float32)
    index.upsert(library, ids[:1], moved)
    assert index.query(library, moved[0], 1)[0][0] == ids[0]
    index.drop(library)
    assert index.query(library, moved[0], 1) == []
    assert index.memory(library) == 0


def test_the_grouping_is_kept_and_only_new_rows_are_placed(
    store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.library import index as module

    rng = np.random.default_rng(4)
    library = store.library("L", embedding_model="m")
    vectors = _topics(rng, 3000)
    ids = _fill(store, library, vectors)
    VectorIndex(store, lists_from=1000).count(library)
    saved = store.grouping(library)
    assert saved is not None
    assert saved.chunk_ids.tolist() == ids
    assert saved.centres.shape == (55, DIMENSIONS)  # √3000

    trained = []
    monkeypatch.setattr(module, "_centres", lambda *a: trained.append(a) or saved.centres)
    reopened = VectorIndex(store, lists_from=1000)  # another start of the app
    assert reopened.query(library, vectors[5], 1)[0][0] == ids[5]
    more = _topics(rng, 200)
    new_ids = _fill(store, library, more, "/docs/b.pdf")  # a new file: placed, not grouped again
    assert reopened.query(library, more[7], 1)[0][0] == new_ids[7]
    assert trained == []
    kept = store.grouping(library)
    assert kept is not None
    assert len(kept.chunk_ids) == 3200
    np.testing.assert_array_equal(kept.groups[:3000], saved.groups)
    lists = reopened._matrix(library).lists
    assert lists is not None
    assert lists.bounds[-1] - lists.bounds[-2] == 200  # new rows: a span every search reads
    again = VectorIndex(store, lists_from=1000)._matrix(library).lists  # placed at the next load
    assert again is not None
    assert again.bounds[-1] == again.bounds[-2] == 3200

    store.put_grouping(library, module.Grouping(saved.centres[:3], saved.chunk_ids, saved.groups))
    VectorIndex(store, lists_from=1000).count(library)  # too few centres now: found anew
    assert len(trained) == 1
    index = VectorIndex(store, lists_from=1000)
    index.drop(library)
    assert store.grouping(library) is None


def test_rows_of_older_versions_are_read_as_float32(store: DocumentStore) -> None:
    """Vectors written before float16 (``half`` = 0) stay readable beside new ones."""
    library = store.library("L", embedding_model="m")
    rng = np.random.default_rng(5)
    old = rng.standard_normal((3, DIMENSIONS)).astype(np.float32)
    ids = _fill(store, library, old)
    with store._tx() as db:
        db.executemany(
            "UPDATE vectors SET vector = ?, half = 0 WHERE chunk_id = ?",
            [(row.astype("<f4").tobytes(), i) for i, row in zip(ids, old, strict=True)],
        )
    new = rng.standard_normal((2, DIMENSIONS)).astype(np.float32)
    new_ids = _fill(store, library, new, "/docs/b.pdf")
    found, matrix = store.vectors(library, [*ids, *new_ids])
    assert found == [*ids, *new_ids]
    np.testing.assert_array_equal(matrix[:3], old)
    np.testing.assert_allclose(matrix[3:], unit(new), atol=1e-3)
    assert VectorIndex(store).query(library, old[1], 1)[0][0] == ids[1]


def test_a_row_removed_while_loading_is_never_found(
    store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = store.library("L", embedding_model="m")
    vectors = _topics(np.random.default_rng(6), 1200)
    ids = _fill(store, library, vectors)
    listed = store.vector_ids(library)  # the ids are read, then a row goes before it is
    monkeypatch.setattr(store, "vector_ids", lambda library: listed)
    with store._tx() as db:
        db.execute("DELETE FROM vectors WHERE chunk_id = ?", (ids[10],))
    for lists_from in (10_000, 1000):  # exact and grouped
        index = VectorIndex(store, lists_from=lists_from)
        best = index.query(library, vectors[10], 5)
        assert ids[10] not in [i for i, _ in best]
        assert -1 not in [i for i, _ in best]
