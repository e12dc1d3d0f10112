"""A shared library's server is read a page of records at a time, and no answer of its
may be larger than a cap: what a server sends cannot grow one read without bound. A
page Chroma's own client chokes on is read again a record at a time, the bad record
skipped. (Fakes of the collection here; tests/integration/test_shared.py runs Chroma.)"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from hushdesk.library import shared
from hushdesk.library.capped_http import cap_answers
from hushdesk.library.shared import Share, ShareAddress, SharedUnreachable

SHA = "ab" * 32


def record(n: int, count: int, **changes: Any) -> tuple[str, dict[str, Any], str, list[float]]:
    meta = {"sha": SHA, "name": "a.pdf", "title": "", "kind": "pdf", "pages": 1,
            "paginated": True, "count": count, "n": n, "page": 1, "start": 10 * n,
            "end": 10 * n + 10}  # fmt: skip
    meta.update(changes)
    return f"{SHA}:{n}", meta, f"passage{n:03d}", [1.0, 0.0, 0.0]


class Collection:
    """Chroma's ``get`` over a list, as the server pages it; a record marked ``choke``
    makes the client fail on any page that holds it (as ragged vectors do)."""

    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self.calls: list[tuple[int, int]] = []

    def get(self, *, where: dict[str, Any], include: list[str], limit: int, offset: int) -> Any:
        self.calls.append((offset, limit))
        key, value = next(iter(where.items()))
        found = [r for r in self.records if r[1].get(key) == value][offset : offset + limit]
        if any(r[1].get("choke") for r in found):
            raise ValueError("setting an array element with a sequence")
        return {
            "ids": [r[0] for r in found],
            "metadatas": [r[1] for r in found],
            "documents": [r[2] for r in found],
            "embeddings": [r[3] for r in found],
        }


def share_over(collection: Collection, monkeypatch: pytest.MonkeyPatch) -> Share:
    monkeypatch.setattr(shared, "PAGE", 4)
    share = Share(ShareAddress("http://127.0.0.1:9"), "Lib")
    monkeypatch.setattr(share, "_collection", lambda model=None: collection)
    return share


def test_files_are_read_a_page_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [record(0, 1, sha=f"{i:064x}") for i in range(9)]
    collection = Collection([*files, record(0, 1, sha="f" * 64, pages="many")])
    share = share_over(collection, monkeypatch)
    assert len(share.files()) == 9
    assert collection.calls == [(0, 4), (4, 4), (8, 4)]
    assert share.skipped == 1


def test_a_page_the_client_chokes_on_is_read_a_record_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [record(n, 6) for n in range(6)]
    records[5] = (records[5][0], {**records[5][1], "choke": True}, *records[5][2:])
    share = share_over(Collection(records), monkeypatch)
    content = share.content(SHA, dimension=3)
    assert content is not None
    assert [c.text for c in content.chunks] == [f"passage{n:03d}" for n in range(5)]
    assert content.records == 6
    assert share.skipped == 1


def test_a_file_with_no_sound_passage_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    share = share_over(Collection([record(0, 1, start=10**15)]), monkeypatch)
    assert share.content(SHA, dimension=3) is None
    assert share.content(SHA, dimension=4) is None  # the vectors are of another length
    assert share.skipped == 2


def test_an_answer_past_the_cap_stops_being_read() -> None:
    def huge(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"x" * 65536] * 1000))  # 64 MB

    client = httpx.Client(transport=httpx.MockTransport(huge))
    cap_answers(client, 1024 * 1024, SharedUnreachable)
    with pytest.raises(SharedUnreachable, match="larger than 1 MB"):
        client.get("http://127.0.0.1:9/api/v2/collections")
    small = httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(200, text="ok")))
    cap_answers(small, 1024, SharedUnreachable)
    assert small.get("http://127.0.0.1:9/").text == "ok"


def test_a_compressed_answer_is_neither_asked_for_nor_inflated() -> None:
    import gzip

    seen: list[str] = []

    def bomb(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept-encoding", ""))
        body = gzip.compress(gzip.compress(b" " * (64 << 20)))  # 64 MB from ~70 KB
        return httpx.Response(200, content=body, headers={"Content-Encoding": "gzip, gzip"})

    client = httpx.Client(transport=httpx.MockTransport(bomb))
    cap_answers(client, 1024 * 1024, SharedUnreachable)
    with pytest.raises(SharedUnreachable, match="compressed answer"):
        client.get("http://127.0.0.1:9/api/v2/collections")
    assert seen == ["identity"]


def test_vectors_come_back_as_the_library_has_them(monkeypatch: pytest.MonkeyPatch) -> None:
    share = share_over(Collection([record(0, 1)]), monkeypatch)
    content = share.content(SHA, dimension=3)
    assert content is not None
    assert content.vectors.dtype == np.float32
    assert content.vectors.shape == (1, 3)


class Greedy(Collection):
    """A server that ignores ``limit`` and ``offset``: everything, every time."""

    def get(self, *, where: dict[str, Any], include: list[str], limit: int, offset: int) -> Any:
        return super().get(where=where, include=include, limit=10**9, offset=0)


def test_a_server_that_sends_more_than_asked_is_read_no_further(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared, "MAX_FILES", 8)
    collection = Greedy([record(0, 1, sha=f"{i:064x}") for i in range(50)])
    share = share_over(collection, monkeypatch)
    assert len(share.files()) == 4  # the first page's, twice: 8 records read in all
    assert len(collection.calls) == 2
