"""A model on a server the user added: llama-cpp-python's own OpenAI-compatible server
on 127.0.0.1 with the starter model, reached through the remote engine — from the
command line and from the services — and a server that dies mid-answer."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.errors import ModelError
from hushdesk.services.conversations import ChatSetup
from tests.servers import certificate_authority, free_port, llama_server, serving

pytestmark = pytest.mark.slow
TOKEN = "team-server-token-0123456789"


def test_connect_and_ask_from_the_command_line(
    tmp_path: Path, starter_model: Path, hushdesk_cmd: list[str]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-token\n")

    def hushdesk(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*hushdesk_cmd, *args]
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)

    with serving(llama_server(str(starter_model), port, api_key=TOKEN), f"{url}/models"):
        refused = hushdesk("connect", "add", "team", url, "--token-file", str(wrong))
        assert refused.returncode == 1
        assert "refused the token (401)" in refused.stderr
        assert "team" not in hushdesk("connect", "list").stdout  # nothing kept

        added = hushdesk("connect", "add", "team", url, "--token-file", str(token_file))
        assert added.returncode == 0, added.stderr
        assert "team/smollm" in added.stdout
        assert "team/smollm" in hushdesk("connect", "test", "team").stdout
        answer = hushdesk("ask", "--model", "team/smollm", "Say hello.")
        assert answer.returncode == 0, answer.stderr
        assert answer.stdout.strip()
        assert hushdesk("models", "default", "team/smollm").returncode == 0
        assert "* team/smollm" in hushdesk("models", "list").stdout
        assert hushdesk("ask", "Say hello.").returncode == 0  # the default: the server's
    gone = hushdesk("ask", "--model", "team/smollm", "Say hello.")
    assert gone.returncode == 1
    assert "Cannot reach the server team" in gone.stderr
    assert hushdesk("connect", "rm", "team").returncode == 0
    assert "No servers" in hushdesk("connect", "list").stdout


def test_a_server_with_the_firms_own_certificate_authority(
    tmp_path: Path, starter_model: Path, hushdesk_cmd: list[str]
) -> None:
    """HTTPS is verified: a certificate from an authority this computer does not know is
    refused with a clear message, and trusted once the firm's CA file is given."""
    tls = certificate_authority(tmp_path)
    port = free_port()
    url = f"https://127.0.0.1:{port}/v1"
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")

    def hushdesk(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*hushdesk_cmd, *args]
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)

    command = llama_server(str(starter_model), port, api_key=TOKEN, tls=tls)
    with serving(command, f"{url}/models"):
        untrusted = hushdesk("connect", "add", "firm", url, "--token-file", str(token_file))
        assert untrusted.returncode == 1
        assert "certificate this computer does not trust" in untrusted.stderr
        assert "firm" not in hushdesk("connect", "list").stdout
        added = hushdesk(
            "connect", "add", "firm", url, "--token-file", str(token_file),
            "--ca-file", str(tls / "ca.pem"),
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        answer = hushdesk("ask", "--model", "firm/smollm", "Say hello.")
        assert answer.returncode == 0, answer.stderr
        assert answer.stdout.strip()


def test_a_conversation_on_a_server_that_goes_away_keeps_its_words(starter_model: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    app = App()
    try:
        with serving(
            llama_server(str(starter_model), port, api_key=TOKEN), f"{url}/models"
        ) as server:
            models = app.connections.add("team", url, token=TOKEN)
            assert [m.id for m in models] == ["smollm"]
            assert "team/smollm" in [m.id for m in app.runtime.chat_models()]
            assert app.runtime.chat_model("team/smollm").where == "127.0.0.1"
            chat = app.conversations.open(setup=ChatSetup(model_id="team/smollm"))
            first = app.conversations.send(chat, "Say hello.").collect()
            assert first.text.strip()
            assert first.stats.completion_tokens > 0
            used = app.conversations.context_used(chat)
            assert used is not None
            assert used[0] > 0

            app.conversations.configure(chat, sampling={"max_tokens": 400, "temperature": 1.0})
            stream = app.conversations.send(chat, "Write a long story about a lighthouse.")
            next(stream)
            server.kill()  # the server dies mid-answer
            with pytest.raises(ModelError) as lost:
                _read_slowly(stream)
            assert "team" in lost.value.message
        saved = app.conversations.get(chat.id or 0)
        assert saved is not None
        turns = app.conversations.open(chat.id).turns
        assert [t.content for t in turns if t.role == "user"][-1].startswith("Write a long story")
        with pytest.raises(ModelError, match="Cannot reach the server team"):
            app.conversations.send(chat, "Are you there?").collect()
    finally:
        app.close()


def _read_slowly(stream: Iterator[str]) -> None:
    for _ in stream:
        time.sleep(0.01)
