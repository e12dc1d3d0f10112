"""The firm's policy from a policy file in a temporary system location: each lock
refuses with the firm's reason, and a broken policy stops Hushdesk rather than failing
open."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushdesk import policy
from hushdesk.api.serving import listen
from hushdesk.app import App
from hushdesk.policy import Locked, PolicyError
from hushdesk.services.retention import DAY_S
from tests.fakes import FakeEngine

POLICY = """
reason = "Smith & Co IT, handbook 4.2"
downloads = false
remote_servers = ["*.smithco.internal"]
api_addresses = ["127.0.0.1"]
min_retention_days = 30
max_retention_days = 90
lock_after_min = 5
"""


@pytest.fixture
def firm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "etc" / "policy.toml"
    path.parent.mkdir()
    path.write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv(policy.POLICY_ENV, str(path))
    return path


def test_each_lock_refuses_with_the_firms_reason(firm: Path) -> None:
    app = App(engine=FakeEngine())
    try:
        with pytest.raises(Locked, match="Downloading models is locked by your firm's policy"):
            app.models.plan("qwen2.5-1.5b-instruct")
        with pytest.raises(Locked, match=r"handbook 4\.2"):
            app.connections.add("Other", "https://models.example.com")
        with pytest.raises(Locked, match=r"Connecting to chroma\.example\.org"):
            app.shared.attach("docs", "https://chroma.example.org:8000")
        with pytest.raises(Locked, match=r"Serving the API on 0\.0\.0\.0"):
            listen("0.0.0.0", 0)
        listen("127.0.0.1", 0).close()  # the address it allows
        matter = app.matters.add("Tenant")
        with pytest.raises(Locked, match="fewer than 30 days"):
            app.matters.set_retention(matter, 7)
        with pytest.raises(Locked, match="more than 90 days"):
            app.matters.set_retention(matter, 365)
        app.matters.set_retention(matter, 60)
        assert app.preferences.lock_after_min == 5
        with pytest.raises(Locked, match="The idle lock"):
            app.preferences.set_lock_after(30)
        assert "no model downloads" in app.policy.describe()
    finally:
        app.close()


def test_retention_off_is_the_longest_the_firm_allows(firm: Path) -> None:
    import time

    app = App(engine=FakeEngine())
    try:
        app.conversations.store.create(title="old")  # the first matter: retention off
        assert app.apply_retention(now=time.time() + 89 * DAY_S) == []
        went = app.apply_retention(now=time.time() + 91 * DAY_S)
        assert [p.describe() for p in went] == ["General: 1 conversation"]
    finally:
        app.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("downloads = 'no'", "downloads should be a bool"),
        ("telemetry = true", "does not know: telemetry"),
        ("min_retention_days = 9\nmax_retention_days = 3", "minimum retention is over"),
        ("downloads = ", "not valid TOML"),
    ],
)
def test_a_broken_policy_stops_hushdesk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    path = tmp_path / f"policy-{abs(hash(text))}.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(policy.POLICY_ENV, str(path))
    with pytest.raises(PolicyError, match=message):
        App(engine=FakeEngine())
