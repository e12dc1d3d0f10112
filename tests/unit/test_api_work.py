"""The API's summaries and drafts on fakes (in process, no socket): jobs with status and
progress, deletion that stops a running one, drafts saved only when asked."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hushdesk.api.server import Settings, create
from hushdesk.app import App
from tests.fakes import FakeEngine

TOKEN = "t" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app() -> Iterator[App]:
    made = App(engine=FakeEngine("A short summary of the text."))
    yield made
    made.close()


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create(app, Settings(TOKEN, ["testserver"]))) as made:
        yield made


TEXT = "The tenant pays 1,200 EUR a month. Notice is ninety days. The deposit is returned."


def test_a_summary_job_runs_reports_and_is_deleted(client: TestClient, app: App) -> None:
    started = client.post("/v1/hushdesk/summaries", headers=AUTH, json={"text": TEXT})
    assert started.status_code == 202, started.text
    where = started.headers["location"]
    job = started.json()
    deadline = time.monotonic() + 30
    while job["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        job = client.get(where, headers=AUTH).json()
    assert job["status"] == "done", job
    assert job["summary"]["statements"]
    assert app.summaries.get(job["id"]) is not None  # kept with the others
    assert client.delete(where, headers=AUTH).json()["deleted"] is True
    assert app.summaries.get(job["id"]) is None
    assert client.get(where, headers=AUTH).status_code == 404


def test_a_summary_request_that_cannot_run_is_refused(client: TestClient) -> None:
    bad_mode = client.post("/v1/hushdesk/summaries", headers=AUTH, json={"text": TEXT, "mode": "x"})
    assert bad_mode.status_code == 400
    assert "Unknown summary mode" in bad_mode.json()["error"]["message"]
    nothing = client.post("/v1/hushdesk/summaries", headers=AUTH, json={"mode": "brief"})
    assert nothing.status_code == 400
    no_token = client.post("/v1/hushdesk/summaries", json={"text": TEXT})
    assert no_token.status_code == 401


def test_a_draft_is_saved_only_when_asked(client: TestClient, app: App) -> None:
    ask = {"points": "Thank Ann; we sign on Monday.", "recipient": "Ann Lee"}
    unsaved = client.post("/v1/hushdesk/drafts", headers=AUTH, json=ask).json()
    assert unsaved["id"] is None
    assert unsaved["body"]
    assert isinstance(unsaved["model_struggled"], bool)  # a model too small for emails
    assert app.drafts.all() == []
    saved = client.post("/v1/hushdesk/drafts", headers=AUTH, json={**ask, "save": True}).json()
    assert isinstance(saved["id"], int)
    assert [d.id for d, _ in app.drafts.all()] == [saved["id"]]
    wrong = client.post("/v1/hushdesk/drafts", headers=AUTH, json={**ask, "tone": "rude"})
    assert wrong.status_code == 400


def test_a_conversation_is_saved_only_when_asked(client: TestClient, app: App) -> None:
    exchange = [
        {"role": "user", "content": "What is the rent?"},
        {"role": "assistant", "content": "1,200 EUR."},
        {"role": "user", "content": "And the notice?"},
    ]
    body = {"model": "default", "messages": exchange}
    assert client.post("/v1/chat/completions", headers=AUTH, json=body).status_code == 200
    assert app.conversations.all() == []
    kept = {**body, "hushdesk": {"save": True}}
    assert client.post("/v1/chat/completions", headers=AUTH, json=kept).status_code == 200
    (conversation,) = app.conversations.all()
    turns = app.conversations.open(conversation.id).turns
    assert [t.content for t in turns[:3]] == [m["content"] for m in exchange]
    assert turns[-1].role == "assistant"
    models = client.get("/v1/models", headers=AUTH).json()["data"]
    assert all(m["context_length"] > 0 for m in models if m["kind"] == "chat")
