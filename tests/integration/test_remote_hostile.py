"""A hostile OpenAI-compatible server (``tests.hostile_server`` on 127.0.0.1) meets the
remote engine: answers that never end, floods, a trickle, endless lines, fields of the
wrong type, a 400 MB model list, huge error bodies and errors that would retitle and
clear a terminal. Every one ends, within bounds, with a message a user can read.

The bounds are made small here (``Limits``) so nothing waits on the real ones; no test
measures time."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Iterator

import pytest

from hushdesk.engine.bounds import Limits
from hushdesk.engine.remote import RemoteEngine
from hushdesk.engine.server import Endpoint, Remote
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.errors import ModelError
from tests.hostile_server import MODEL
from tests.servers import free_port, serving

QUESTION = [Message("user", "Say hello.")]


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    """The server's address (a behaviour's base URL is ``{hostile}/{behaviour}/v1``)."""
    port = free_port()
    command = [sys.executable, "-m", "tests.hostile_server", "--port", str(port)]
    with serving(command, f"http://127.0.0.1:{port}/ok/v1/models", timeout_s=60):
        yield f"http://127.0.0.1:{port}"


def engine(hostile: str, behaviour: str, **limits: float) -> RemoteEngine:
    endpoint = Endpoint("evil", f"{hostile}/{behaviour}/v1", limits=Limits(**limits))  # type: ignore[arg-type]
    return RemoteEngine(Remote(endpoint), MODEL)


def ask(hostile: str, behaviour: str, max_tokens: int = 50, **limits: float) -> str:
    stream = engine(hostile, behaviour, **limits).chat(
        QUESTION, SamplingParams(max_tokens=max_tokens)
    )
    return stream.collect().text


def test_an_answer_that_never_ends_is_cut_at_max_tokens(hostile: str) -> None:
    stream = engine(hostile, "endless").chat(QUESTION, SamplingParams(max_tokens=50))
    result = stream.collect()
    assert 50 <= len(result.text.split()) <= 60  # max_tokens and a small allowance
    assert result.stats.finish_reason == "length"


def test_a_whole_book_in_one_event_is_cut_too(hostile: str) -> None:
    text = ask(hostile, "chunky", max_tokens=50)
    assert 0 < len(text) <= 60 * 8  # a token is at most eight characters here


def test_a_flood_of_bytes_stops_at_the_byte_cap(hostile: str) -> None:
    with pytest.raises(ModelError, match=r"went on sending more than 195 KB"):
        ask(hostile, "flood", stream_bytes_floor=200_000, stream_bytes_per_token=0)


def test_a_trickle_stops_at_the_deadline(hostile: str) -> None:
    with pytest.raises(ModelError, match=r"went on sending for more than 0\.5 s"):
        ask(hostile, "slow", stream_s_floor=0.5, stream_s_per_token=0)


def test_a_line_that_never_ends_stops_at_the_line_cap(hostile: str) -> None:
    with pytest.raises(ModelError, match="one piece of more than 97 KB"):
        ask(hostile, "noline", line_bytes=100_000)


@pytest.mark.parametrize(
    ("behaviour", "field"),
    [("wrongtype", r"choices\[0\]\.delta\.content is not text"), ("notalist", "choices is not")],
)
def test_fields_of_the_wrong_type_are_a_clear_error(
    hostile: str, behaviour: str, field: str
) -> None:
    stream = engine(hostile, behaviour).chat(QUESTION, SamplingParams(max_tokens=50))
    with pytest.raises(ModelError, match=f"cannot read \\({field}"):
        stream.collect()
    assert stream.result.text == (" fine" if behaviour == "wrongtype" else "")


def test_a_compressed_bomb_is_refused_before_it_inflates(hostile: str) -> None:
    remote = Remote(Endpoint("evil", f"{hostile}/gzipbomb/v1"))  # the real bounds
    tracemalloc.start()
    try:
        with pytest.raises(ModelError, match="compressed, though asked not to"):
            remote.models()
        stream = RemoteEngine(remote, MODEL).chat(
            [Message("user", "hello")], SamplingParams(max_tokens=50)
        )
        with pytest.raises(ModelError, match="compressed answer"):
            stream.collect()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        remote.close()
    assert peak < 64 * 1024 * 1024  # inflated, it is 1 GB


def test_a_huge_model_list_is_refused_in_bounded_memory(hostile: str) -> None:
    remote = Remote(Endpoint("evil", f"{hostile}/hugelist/v1"))  # the real bounds
    tracemalloc.start()
    try:
        with pytest.raises(ModelError, match="sent its model list larger than 8,192 KB"):
            remote.models()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        remote.close()
    assert peak < 64 * 1024 * 1024  # the list is 400 MB


@pytest.mark.parametrize("where", ["models", "chat"])
def test_a_huge_error_body_is_read_in_part(hostile: str, where: str) -> None:
    remote = Remote(Endpoint("evil", f"{hostile}/hugeerror/v1"))
    tracemalloc.start()
    try:
        call = (
            remote.models
            if where == "models"
            else RemoteEngine(remote, MODEL).chat(QUESTION, SamplingParams()).collect
        )
        with pytest.raises(ModelError, match="answered 500") as error:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        remote.close()
    assert len(error.value.message) < 400
    assert peak < 16 * 1024 * 1024


def test_a_servers_error_text_loses_its_escape_sequences(hostile: str) -> None:
    remote = Remote(Endpoint("evil", f"{hostile}/escape/v1"))
    with pytest.raises(ModelError) as error:
        remote.models()
    assert "model list broken" in error.value.message
    assert "\x1b" not in error.value.message
    assert "\x07" not in error.value.message


def test_ask_with_max_tokens_ends_by_itself_from_the_command_line(
    hostile: str, hushdesk_cmd: list[str], cli_env: dict[str, str]
) -> None:
    """The issue's acceptance: against a server that streams for ever, ``hushdesk ask
    --max-tokens 50`` ends by itself with about 50 tokens; and the server's error text
    reaches the terminal without its escape sequences."""

    def hushdesk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hushdesk_cmd, *args], env=cli_env, check=False,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    added = hushdesk("connect", "add", "evil", f"{hostile}/endless/v1")
    assert added.returncode == 0, added.stderr
    answer = hushdesk("ask", "--model", f"evil/{MODEL}", "--max-tokens", "50", "Say hello.")
    assert answer.returncode == 0, answer.stderr
    assert 50 <= len(answer.stdout.split()) <= 60

    refused = hushdesk("connect", "add", "escape", f"{hostile}/escape/v1")
    assert refused.returncode == 1
    assert "model list broken" in refused.stderr
    assert "\x1b" not in refused.stderr + refused.stdout
    assert "\x07" not in refused.stderr + refused.stdout
