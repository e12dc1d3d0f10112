from __future__ import annotations

from pathlib import Path

import pytest

from hushdesk.assistant import personas
from hushdesk.assistant.chat import ChatSession
from hushdesk.assistant.chat_store import ConversationStore
from hushdesk.engine.types import LoadSpec, Message, SamplingParams
from hushdesk.errors import ContextOverflow, HushdeskError, ModelError, StoreError
from tests.fakes import FakeEngine
from tests.keys import TEST_KEY


def test_history_grows_with_each_exchange() -> None:
    engine = FakeEngine()
    session = ChatSession(engine, SamplingParams(), "be brief")
    assert "".join(session.send("hello there")) == "echo: hello there"
    session.send("again").collect()
    roles = [m.role for m in session.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
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
    assert session.turns[-1].status == "stopped"
    assert stream.result.stats.finish_reason == "cancelled"


def test_an_unanswered_question_is_kept_but_left_out_of_the_next_prompt() -> None:
    engine = FakeEngine(reply="")
    session = ChatSession(engine, SamplingParams())
    session.send("first").collect()
    engine.reply = "ok"
    session.send("second").collect()
    assert [t.content for t in session.turns] == ["first", "second", "ok"]
    assert engine.requests[-1] == [Message("user", "second")]


def test_regenerate_and_edit_replace_the_right_turns() -> None:
    engine = FakeEngine()
    session = ChatSession(engine, SamplingParams())
    session.send("q1").collect()
    session.send("q2").collect()
    engine.reply = "another answer"
    session.regenerate().collect()
    assert [t.content for t in session.turns] == ["q1", "echo: q1", "q2", "another answer"]
    engine.reply = None
    session.edit(session.turns[0].id, "q1 edited").collect()
    assert [t.content for t in session.turns] == ["q1 edited", "echo: q1 edited"]
    with pytest.raises(HushdeskError, match="Only your own"):
        session.edit(session.turns[1].id, "x")


def test_turns_are_saved_and_reloaded(tmp_path: Path) -> None:
    history = ConversationStore(TEST_KEY, tmp_path / "h.sqlite")
    conversation = history.create()
    engine = FakeEngine()
    session = ChatSession(
        engine, SamplingParams(), store=history, conversation_id=conversation.id, model_id="m"
    )
    session.send("Summarise the lease terms please").collect()
    reloaded = ChatSession(engine, SamplingParams(), store=history, conversation_id=conversation.id)
    assert [(t.role, t.content) for t in reloaded.turns] == [
        ("user", "Summarise the lease terms please"),
        ("assistant", "echo: Summarise the lease terms please"),
    ]
    titled = history.get(conversation.id)
    assert titled is not None
    assert titled.title == "Summarise the lease terms please"
    reloaded.regenerate().collect()
    assert len(history.messages(conversation.id)) == 2


def test_old_turns_leave_the_view_in_one_step_and_the_newest_never(tmp_path: Path) -> None:
    history = ConversationStore(TEST_KEY, tmp_path / "h.sqlite")
    conversation = history.create()
    engine = FakeEngine(reply="fine thanks")
    engine.load(LoadSpec("m.gguf", n_ctx=100))
    params = SamplingParams(max_tokens=20)  # prompt budget: 80 "tokens"
    session = ChatSession(engine, params, "sys", store=history, conversation_id=conversation.id)
    for i in range(12):
        session.send(f"question number {i}").collect()
    assert session.context_from is not None
    assert engine.count_tokens(session.messages) <= 80
    assert session.turns[0].id < session.context_from  # kept in history, out of view
    assert session.messages[0] == Message("system", "sys")
    assert session.messages[-1] == Message("assistant", "fine thanks")
    saved = history.get(conversation.id)
    assert saved is not None
    assert saved.context_from == session.context_from
    # Between trims the view is stable, so the engine's cache stays warm.
    starts = set()
    for i in range(3):
        session.send(f"more {i}").collect()
        starts.add(session.context_from)
    assert len(starts) <= 2
    with pytest.raises(ContextOverflow, match="too long for this model"):
        session.send("word " * 200).collect()


def test_personas_are_data() -> None:
    assert "Hushdesk" in personas.get(personas.DEFAULT).system
    ids = [p.id for p in personas.personas()]
    assert ids == ["general", "concise", "translator", "proofreader"]
    assert personas.get("translator").system.startswith("You are a careful translator")
    assert personas.get("unknown").id == "general"


def test_a_failed_retry_keeps_the_old_answer(tmp_path: Path) -> None:
    history = ConversationStore(TEST_KEY, tmp_path / "h.sqlite")
    conversation = history.create()
    engine = FakeEngine(reply="the good answer")
    session = ChatSession(engine, SamplingParams(), store=history, conversation_id=conversation.id)
    session.send("question").collect()
    engine.error = ModelError("the model crashed")
    with pytest.raises(ModelError):
        session.regenerate().collect()
    engine.error = None
    engine.reply = ""
    session.regenerate().collect()  # stopped before any text
    engine.reply = "edited answer"
    engine.error = ModelError("again")
    with pytest.raises(ModelError):
        session.edit(session.turns[0].id, "edited question").collect()
    expected = ["question", "the good answer"]
    assert [t.content for t in session.turns] == expected
    assert [m.content for m in history.messages(conversation.id)] == expected


def test_an_overflowing_message_does_not_move_the_context(tmp_path: Path) -> None:
    engine = FakeEngine(reply="ok")
    engine.load(LoadSpec("m.gguf", n_ctx=100))
    session = ChatSession(engine, SamplingParams(max_tokens=20), "sys")
    for i in range(4):
        session.send(f"question {i}").collect()
    before = session.context_from
    with pytest.raises(ContextOverflow):
        session.send("word " * 200).collect()
    assert session.context_from == before


def test_an_answer_that_cannot_be_saved_stays_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = ConversationStore(TEST_KEY, tmp_path / "h.sqlite")
    conversation = history.create()
    session = ChatSession(
        FakeEngine(reply="precious"),
        SamplingParams(),
        store=history,
        conversation_id=conversation.id,
    )
    stream = session.send("question")

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise StoreError("Could not save the conversation: the disk is full.")

    monkeypatch.setattr(history, "replace_tail", disk_full)
    with pytest.raises(StoreError, match="disk is full"):
        stream.collect()
    assert session.turns[-1].content == "precious"


def test_a_models_family_gets_its_own_answer_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    from hushdesk import assets
    from hushdesk.assistant.grounding import Grounding, system_prompt
    from hushdesk.models.registry import InstalledModel

    read_toml = assets.read_toml

    def with_a_qwen_table(*parts: str) -> dict[str, object]:
        data = read_toml(*parts)
        if parts == ("prompts", "answer.toml"):
            data = data | {"family": {"qwen": {"system": "Qwen's own rules."}}}
        return data

    monkeypatch.setattr(assets, "read_toml", with_a_qwen_table)
    assets.prompts.cache_clear()
    try:
        qwen = InstalledModel("q", "Qwen2.5 1.5B Instruct", "llm", "/q.gguf", "download")
        starter = InstalledModel(
            "s", "SmolLM2 135M Instruct", "llm", "/s.gguf", "bundled", 0, {"architecture": "llama"}
        )
        other = InstalledModel("x", "Mystery 1B", "llm", "/x.gguf", "import")
        assert (qwen.prompt_family, starter.prompt_family, other.prompt_family) == (
            "qwen",
            "smollm",  # the llama architecture, but SmolLM's family
            "",
        )
        assert system_prompt("qwen") == "Qwen's own rules."
        assert system_prompt("smollm") == system_prompt() != "Qwen's own rules."
        for family, rules in (("qwen", "Qwen's own rules."), ("", system_prompt())):
            engine = FakeEngine(reply="An answer.")
            grounding = Grounding("the sources, then the question", (), False)
            session = ChatSession(
                engine, SamplingParams(), grounder=lambda _q, g=grounding: g, family=family
            )
            session.send("A question?").collect()
            assert engine.requests[0][0] == Message("system", rules)
            assert engine.requests[0][-1] == Message("user", "the sources, then the question")
    finally:
        assets.prompts.cache_clear()
