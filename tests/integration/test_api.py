"""The local API as other tools use it: ``hushdesk serve`` in its own process, the
official ``openai`` client and raw HTTP from this one, the real starter model, real
embeddings and a real library."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest

from hushdesk import privacy
from tests.integration.test_library import contract
from tests.servers import free_port, serving

pytestmark = pytest.mark.slow
LIBRARY = "Smith lease"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, passphrase_file: Path, hushdesk_cmd: list[str]
) -> Iterator[tuple[str, str]]:
    """``hushdesk serve`` on a free port over a library with one contract, for the whole
    module (a data folder of its own); yields the base URL and the token it wrote."""
    tmp_path = tmp_path_factory.mktemp("api")
    cli_env = dict(os.environ, PYTHONUNBUFFERED="1", HUSHDESK_HOME=str(tmp_path / "home"),
                   HUSHDESK_PASSPHRASE_FILE=str(passphrase_file))  # fmt: skip
    document = contract(tmp_path / "lease.pdf")
    subprocess.run(
        [*hushdesk_cmd, "ingest", "--library", LIBRARY, str(document)],
        env=cli_env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    port, token_file, output = free_port(), tmp_path / "token", tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    command = [*hushdesk_cmd, "serve", "--port", str(port), "--token-file", str(token_file)]
    with (
        serving(command, f"{base}/v1/models", env=cli_env, log=output),
        privacy.local_service(port),
    ):
        yield base, token_file.read_text().strip()
    said = output.read_text()
    assert token_file.stat().st_mode & 0o777 == 0o600
    logs = [said, *(f.read_text(errors="replace") for f in (tmp_path / "home").rglob("*.log"))]
    assert not any(PROMPT in text for text in logs)  # no prompt in any log or output


PROMPT = "Say hello in five words."


def test_the_openai_client_lists_streams_embeds_and_gets_citations(
    server: tuple[str, str],
) -> None:
    base, token = server
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0, timeout=300)
    ids = [m.id for m in client.models.list().data]
    assert "smollm2-135m-instruct" in ids
    assert f"library:{LIBRARY}" in ids

    pieces, finish = [], None
    for chunk in client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        max_tokens=24,
        seed=1,
    ):
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
    assert "".join(pieces).strip()
    assert finish in ("stop", "length")

    whole = client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": "Say hello."}],
        max_tokens=8,
        temperature=0,
    )
    assert whole.usage is not None
    assert whole.usage.completion_tokens > 0
    assert whole.choices[0].finish_reason in ("stop", "length")

    vectors = client.embeddings.create(input=["notice period", "boiler fee"], model="default")
    assert len(vectors.data) == 2
    assert len(vectors.data[0].embedding) == 384

    grounded = client.chat.completions.create(
        model=f"library:{LIBRARY}",
        messages=[{"role": "user", "content": "How long is the notice period?"}],
        seed=1,
    )
    extension = grounded.model_extra["hushdesk"]  # type: ignore[index]
    citations = extension["citations"]
    assert citations
    assert {"file", "page", "passage", "score"} <= set(citations[0])
    assert any(c["file"] == "lease.pdf" and "ninety days" in c["passage"] for c in citations)

    streamed = client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": "How long is the notice period?"}],
        extra_body={"hushdesk": {"libraries": [LIBRARY]}},
        stream=True,
        seed=1,
    )
    last = [c for c in streamed if c.choices][-1]
    assert last.model_extra["hushdesk"]["citations"]  # type: ignore[index]


def test_what_a_server_must_refuse(server: tuple[str, str]) -> None:
    base, token = server
    auth = {"Authorization": f"Bearer {token}"}
    chat = {"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}]}

    def post(path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(f"{base}{path}", timeout=120, **kwargs)  # type: ignore[arg-type]

    assert httpx.get(f"{base}/v1/models", timeout=10).status_code == 401
    wrong = httpx.get(f"{base}/v1/models", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    rebinding = httpx.get(f"{base}/v1/models", headers={**auth, "Host": "evil.example"})
    assert rebinding.status_code == 400
    bad_json = post("/v1/chat/completions", headers={**auth, "Content-Type": "application/json"},
                    content=b"{not json")  # fmt: skip
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["code"] == "invalid_json"
    huge = post("/v1/chat/completions", headers=auth, content=b"x" * (5 * 1024 * 1024))
    assert huge.status_code == 413
    chunked = post("/v1/chat/completions", headers=auth, content=iter([b'{"model": ']))
    assert chunked.status_code == 411  # no length, no limit: refused
    unknown = post("/v1/chat/completions", headers=auth, json={**chat, "model": "gpt-9"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "model_not_found"
    overflow = post("/v1/chat/completions", headers=auth, json={
        **chat, "messages": [{"role": "user", "content": "word " * 20000}]})  # fmt: skip
    assert overflow.status_code == 400
    assert overflow.json()["error"]["code"] == "context_length_exceeded"
    assert httpx.get(f"{base}/docs", headers=auth, timeout=10).status_code == 404  # no CDN page
    assert httpx.get(f"{base}/openapi.json", timeout=10).status_code == 401


def test_a_client_that_goes_away_frees_the_model_and_eight_clients_all_finish(
    server: tuple[str, str],
) -> None:
    base, token = server
    auth = {"Authorization": f"Bearer {token}"}
    long = {
        "model": "smollm2-135m-instruct",
        "messages": [{"role": "user", "content": "Write a very long story about the sea."}],
        "max_tokens": 2000,
        "stream": True,
    }
    started = time.monotonic()
    with httpx.stream("POST", f"{base}/v1/chat/completions", headers=auth, json=long,
                      timeout=120) as response:  # fmt: skip
        for line in response.iter_lines():
            if line.startswith("data: ") and '"content": "' in line and len(line) > 120:
                break  # a few words in: hang up
    short = {**long, "max_tokens": 8, "stream": False, "messages": [
        {"role": "user", "content": "Say hi."}]}  # fmt: skip

    def ask(_n: int) -> int:
        reply = httpx.post(f"{base}/v1/chat/completions", headers=auth, json=short, timeout=300)
        return reply.status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(ask, range(8)))
    assert codes == [200] * 8
    # the abandoned story stopped: eight short answers came long before 2000 tokens would
    assert time.monotonic() - started < 120


def test_another_address_needs_an_explicit_token(
    cli_env: dict[str, str], hushdesk_cmd: list[str]
) -> None:
    done = subprocess.run(
        [*hushdesk_cmd, "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=cli_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "--token-file" in done.stderr


def test_the_stream_is_server_sent_events(server: tuple[str, str]) -> None:
    base, token = server
    body = {"model": "smollm2-135m-instruct", "stream": True, "max_tokens": 6,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "Hi"}]}  # fmt: skip
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[6:]) for line in lines[:-1]]
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-1]["usage"]["completion_tokens"] > 0


def test_summary_jobs_and_drafts_as_resources(server: tuple[str, str]) -> None:
    base, token = server
    auth = {"Authorization": f"Bearer {token}"}
    started = httpx.post(
        f"{base}/v1/hushdesk/summaries",
        headers=auth,
        json={"library": LIBRARY, "document": "lease.pdf", "mode": "key-points", "length": "short"},
        timeout=60,
    )
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["location"] == f"/v1/hushdesk/summaries/{job['id']}"
    deadline = time.monotonic() + 600
    while job["status"] == "running":
        assert time.monotonic() < deadline, "the summary did not finish"
        time.sleep(0.5)
        job = httpx.get(f"{base}{started.headers['location']}", headers=auth, timeout=30).json()
    assert job["status"] == "done", job
    assert job["summary"]["markdown"].strip()
    assert all(s["first_page"] >= 1 for s in job["summary"]["statements"])
    gone = httpx.delete(f"{base}{started.headers['location']}", headers=auth, timeout=60)
    assert gone.json()["deleted"] is True
    missing = httpx.get(f"{base}{started.headers['location']}", headers=auth, timeout=30)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "summary_not_found"

    draft = httpx.post(
        f"{base}/v1/hushdesk/drafts",
        headers=auth,
        json={
            "kind": "new",
            "points": "Thank Ann for the lease; we sign on Monday.",
            "recipient": "Ann Lee",
            "length": "short",
        },
        timeout=300,
    ).json()
    assert draft["object"] == "hushdesk.draft"
    assert draft["id"] is None  # not saved unless asked
    assert draft["subject"].strip()
    assert draft["body"].strip()
    assert isinstance(draft["check"], list)
