from __future__ import annotations

from hushdesk.assistant.chat import ChatSession, default_system_prompt
from hushdesk.engine.types import Message, SamplingParams
from tests.fakes import FakeEngine


def test_history_grows_with_each_exchange() -> None:
    engine = FakeEngine()
    session = ChatSession(engine, SamplingParams(), "be brief")
    assert "".join(session.send("hello there")) == "echo: hello there"
    session.send("again").collect()
    assert [m.role for m in session.messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert engine.requests[1][:3] == session.messages[:3]


def test_stopped_answer_is_kept() -> None:
    engine = FakeEngine(reply="one two three four")
    session = ChatSession(engine, SamplingParams())
    stream = session.send("count")
    first = next(iter(stream))
    engine.stop()
    rest = list(stream)
    assert first == "one"
    assert rest == []
    assert session.messages[-1] == Message("assistant", "one")
    assert stream.result.stats.finish_reason == "cancelled"


def test_empty_answer_leaves_history_consistent() -> None:
    session = ChatSession(FakeEngine(reply=""), SamplingParams())
    session.send("anything").collect()
    assert session.messages == []


def test_reset_keeps_the_system_prompt() -> None:
    session = ChatSession(FakeEngine(), SamplingParams(), "sys")
    session.send("a").collect()
    session.reset()
    assert session.messages == [Message("system", "sys")]


def test_default_persona_is_data() -> None:
    assert "Hushdesk" in default_system_prompt()
