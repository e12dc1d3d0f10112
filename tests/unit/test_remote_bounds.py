"""What a remote server streams, read within bounds and with its types checked
(``engine.bounds``); tests/integration/test_remote_hostile.py runs a hostile server."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from hushdesk.engine.bounds import (
    Budget,
    Exceeded,
    Malformed,
    error_text,
    read_body,
    read_event,
    sse_events,
)


def events(*chunks: bytes, cap: int = 10**6, line_bytes: int = 10**5) -> list[Any]:
    response = httpx.Response(200, content=iter(chunks))
    return list(
        sse_events(response, cap=cap, deadline=time.monotonic() + 60, line_bytes=line_bytes)
    )


def test_events_split_anywhere_are_read_whole() -> None:
    stream = (
        b'data: {"a": 1}\r\n\r\n: keep-alive\n\ndata: not json\n\n'
        b'data: {"b": 2}\n\ndata: [DONE]\n\ndata: {"c": 3}\n\n'
    )
    split = [stream[i : i + 3] for i in range(0, len(stream), 3)]
    assert events(*split) == [{"a": 1}, {"b": 2}]


def test_a_deeply_nested_event_is_skipped_not_a_crash() -> None:
    deep = b"data: " + b"[" * 100_000 + b"]" * 100_000 + b'\n\ndata: {"a": 1}\n\n'
    assert events(deep, line_bytes=10**6) == [{"a": 1}]


def test_the_byte_cap_and_the_line_cap() -> None:
    with pytest.raises(Exceeded) as flood:
        events(*[b'data: {"a": 1}\n\n'] * 1000, cap=1000)
    assert flood.value.what == "bytes"
    with pytest.raises(Exceeded) as line:
        events(b"data: " + b"x" * 5000, b"x" * 5000, line_bytes=8000)
    assert line.value.what == "line"


def test_a_body_past_its_cap_stops_being_read() -> None:
    with pytest.raises(Exceeded):
        read_body(httpx.Response(200, content=iter([b"x" * 1000] * 100)), cap=5000, seconds=60)
    declared = httpx.Response(200, headers={"content-length": "99999999"}, content=b"")
    with pytest.raises(Exceeded):
        read_body(declared, cap=5000, seconds=60)
    assert read_body(httpx.Response(200, content=b"{}"), cap=5000, seconds=60) == b"{}"


def chunk(**fields: Any) -> dict[str, Any]:
    return {"choices": [{"delta": {"content": "hi"}, "finish_reason": None}], **fields}


def test_an_event_is_read_with_its_types_checked() -> None:
    piece = read_event(chunk(usage={"prompt_tokens": 3, "completion_tokens": "many"}))
    assert (piece.text, piece.prompt_tokens, piece.completion_tokens) == ("hi", 3, None)
    assert read_event({"choices": None, "usage": None}).text == ""
    assert read_event({"choices": [{"delta": None, "finish_reason": "length"}]}).finish == "length"
    assert read_event({"error": {"message": "overloaded"}}).error == {"message": "overloaded"}


@pytest.mark.parametrize(
    ("event", "where"),
    [
        ([], "the event"),
        ({"choices": "abc"}, "choices"),
        ({"choices": ["abc"]}, "choices[0]"),
        ({"choices": [{"delta": "abc"}]}, "choices[0].delta"),
        ({"choices": [{"delta": {"content": 5}}]}, "choices[0].delta.content"),
        ({"choices": [{"delta": {"content": True}}]}, "choices[0].delta.content"),
        ({"choices": [{"delta": {}, "finish_reason": 1}]}, "choices[0].finish_reason"),
    ],
)
def test_a_field_of_the_wrong_type_is_named(event: Any, where: str) -> None:
    with pytest.raises(Malformed) as wrong:
        read_event(event)
    assert wrong.value.where == where


def test_the_budget_counts_chunks_and_long_chunks() -> None:
    budget = Budget(50, 8)
    taken = [budget.take(" word") for _ in range(100) if not budget.spent]
    assert 50 <= len(taken) <= 60
    book = Budget(50, 8)
    assert len(book.take("x" * 100_000)) <= 60 * 8
    assert book.spent


def test_a_servers_error_text_is_one_short_plain_line() -> None:
    body = json.dumps({"error": {"message": "\x1b]0;t\x07\x1b[2Jbad\nthing " + "x" * 999}})
    text = error_text(body.encode())
    assert text.startswith("]0;t[2Jbad thing")
    assert "\x1b" not in text
    assert len(text) <= 300
    assert error_text(b"\xff plain " + "\u009b2J text".encode()) == "\ufffd plain 2J text"
