"""The local API's smaller guards, in process on fakes: nothing loaded from the internet
and no schema without the token, ids validated, a full queue a real 429, embeddings and
searches bounded, the Host check not fooled by a header on a server bound to the
network."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from hushdesk.api.gate import Gate
from hushdesk.api.hosts import host_allowed, host_name
from hushdesk.api.server import Settings, create
from hushdesk.api.serving import LOOPBACK_NAMES, listen, listener_uid
from hushdesk.app import App
from hushdesk.errors import HushdeskError
from tests.fakes import FakeEngine
from tests.servers import free_port

TOKEN = "t" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHAT = {"model": "default", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def app() -> Iterator[App]:
    made = App(engine=FakeEngine("Hello there."))
    yield made
    made.close()


def _client(app: App, **kwargs: Any) -> TestClient:
    api = create(app, Settings(TOKEN, ["testserver"]), **kwargs)
    return TestClient(api, raise_server_exceptions=False)


def test_no_docs_from_a_cdn_and_no_schema_without_the_token(app: App) -> None:
    with _client(app) as client:
        for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            assert client.get(page).status_code in (401, 404), page
            assert client.get(page, headers=AUTH).status_code == 404, page
        assert client.get("/openapi.json").status_code == 401
        schema = client.get("/openapi.json", headers=AUTH)
        assert schema.status_code == 200
        assert "cdn" not in schema.text.lower()


def test_a_huge_summary_id_is_not_found_not_a_server_error(app: App) -> None:
    with _client(app) as client:
        for huge in ("99999999999999999999999", str(2**63), "0", "-5"):
            got = client.get(f"/v1/hushdesk/summaries/{huge}", headers=AUTH)
            assert got.status_code in (400, 404), (huge, got.status_code, got.text)
            gone = client.delete(f"/v1/hushdesk/summaries/{huge}", headers=AUTH)
            assert gone.status_code in (400, 404), (huge, gone.status_code)


def test_a_full_queue_is_a_429_status_even_for_a_stream(app: App) -> None:
    with _client(app, gate=Gate(limit=0)) as client:  # nobody may wait: full
        streamed = client.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "stream": True})
        assert streamed.status_code == 429, streamed.text
        assert streamed.headers["retry-after"]
        assert streamed.json()["error"]["code"] == "queue_full"
        whole = client.post("/v1/chat/completions", headers=AUTH, json=CHAT)
        assert whole.status_code == 429


def test_a_stream_still_streams_and_frees_the_model(app: App) -> None:
    gate = Gate()
    with _client(app, gate=gate) as client:
        for _ in range(2):  # the second finds the gate open again
            with client.stream("POST", "/v1/chat/completions", headers=AUTH,
                               json={**CHAT, "stream": True}) as response:  # fmt: skip
                assert response.status_code == 200
                lines = [line for line in response.iter_lines() if line]
            assert lines[-1] == "data: [DONE]"


def test_embeddings_and_searches_take_turns_and_a_full_queue_is_429(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most, lock = [0], [0], threading.Lock()

    def embed(texts: list[str], model: str) -> list[list[float]]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return [[0.0, 1.0] for _ in texts]

    monkeypatch.setattr(app.documents, "embed", embed)
    monkeypatch.setattr(app.documents, "embedding_models", lambda: [type("M", (), {"id": "e"})])
    api = create(app, Settings(TOKEN, ["testserver"]))

    async def many() -> list[int]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            replies = await asyncio.gather(*(
                c.post("/v1/embeddings", headers=AUTH, json={"input": f"text {n}"})
                for n in range(6)
            ))  # fmt: skip
        return [r.status_code for r in replies]

    assert asyncio.run(many()) == [200] * 6
    assert most[0] == 1  # one at a time, not one per thread of a pool
    with _client(app, lookups=Gate(limit=0)) as client:
        full = client.post("/v1/embeddings", headers=AUTH, json={"input": "x"})
        assert full.status_code == 429


def _scope(host: str, client: str, server: str = "0.0.0.0") -> dict[str, Any]:
    return {"headers": [(b"host", host.encode())], "client": (client, 5000),
            "server": (server, 5417)}  # fmt: skip


def test_on_the_network_a_faked_loopback_host_header_is_refused() -> None:
    network: dict[str, Any] = {"hosts": [], "loopback": False}
    assert not host_allowed(_scope("127.0.0.1:5417", "192.0.2.9", "192.168.1.5"), **network)
    assert not host_allowed(_scope("localhost", "192.0.2.9", "192.168.1.5"), **network)
    assert not host_allowed(_scope("evil.example", "192.0.2.9", "192.168.1.5"), **network)
    assert host_allowed(_scope("192.168.1.5:5417", "192.0.2.9", "192.168.1.5"), **network)
    assert host_allowed(_scope("127.0.0.1:5417", "127.0.0.1", "127.0.0.1"), **network)
    named: dict[str, Any] = {"hosts": ["api.firm.internal"], "loopback": False}
    assert host_allowed(_scope("api.firm.internal:5417", "192.0.2.9", "10.0.0.2"), **named)
    on_this_computer: dict[str, Any] = {"hosts": [], "loopback": True}
    assert host_allowed(_scope("[::1]:5417", "::1", "::1"), **on_this_computer)
    assert not host_allowed(_scope("evil.example", "127.0.0.1", "127.0.0.1"), **on_this_computer)
    assert host_name("[::1]:5417") == "::1"
    assert host_name("Example.org") == "example.org"


def test_the_app_refuses_a_faked_host_from_another_computer(app: App) -> None:
    api = create(app, Settings(TOKEN, [*LOOPBACK_NAMES, "192.168.1.5"], loopback=False))

    async def ask(host: str) -> int:
        transport = httpx.ASGITransport(app=api, client=("192.0.2.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as c:
            return (await c.get("/v1/models", headers=AUTH)).status_code

    assert asyncio.run(ask("127.0.0.1:5417")) == 400  # a header proves nothing
    assert asyncio.run(ask("localhost")) == 400
    assert asyncio.run(ask("192.168.1.5:5417")) == 200  # the token is the protection


def test_the_account_holding_a_port_is_known() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        if not Path("/proc/net/tcp").exists():
            pytest.skip("Linux's /proc/net/tcp")
        assert listener_uid(port) == os.getuid()  # ours: the plain "port in use" message


@pytest.mark.skipif(
    not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to be another"
)
def test_a_port_squatted_by_another_account_is_said_so() -> None:
    port = free_port()
    squat = (
        "import os, socket, sys, time; os.setuid(65534); s = socket.socket(); "
        f"s.bind(('127.0.0.1', {port})); s.listen(1); print('ready', flush=True); time.sleep(60)"
    )
    with subprocess.Popen(
        [sys.executable, "-I", "-c", squat], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            with pytest.raises(HushdeskError) as refused:
                listen("127.0.0.1", port)
            assert "another account" in refused.value.message
        finally:
            child.kill()


def test_a_token_limited_to_a_matter_opens_only_that_matter(app: App) -> None:
    tenant = app.matters.add("Tenant")
    app.matters.add("Landlord")
    limited = {"Authorization": f"Bearer {app.matters.api_token(tenant, new=True)}"}
    app.open_matter("Landlord")  # the API serves the open matter
    app.library.library("landlord-docs")
    with _client(app) as client:
        assert client.get("/v1/models", headers=limited).status_code == 401
        assert "landlord-docs" in client.get("/v1/models", headers=AUTH).text
    app.open_matter("Tenant")
    app.library.library("tenant-docs")
    with _client(app) as client:
        listed = client.get("/v1/models", headers=limited)
        assert listed.status_code == 200
        assert "tenant-docs" in listed.text
        assert "landlord-docs" not in listed.text
        search = {"library": "landlord-docs", "query": "rent"}
        assert client.post("/v1/hushdesk/search", json=search, headers=limited).status_code == 404
