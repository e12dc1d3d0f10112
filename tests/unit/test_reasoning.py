"""A reasoning model's thinking kept apart from its answer as the stream arrives: tags
split over chunks, a block the prompt opened, a reasoning field of its own, a tag that
belongs to the answer's text, an abandoned stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hushdesk.engine.base import ChatStream
from hushdesk.engine.reasoning import Splitter, Thought, opens_thinking, template_reasons
from hushdesk.engine.types import ChatResult

RAW = "<think>\nThe user asks 6*7. That is 42.\n</think>\n\nThe answer is 42."


def _produce(chunks: list[str], result: ChatResult) -> Iterator[str]:
    """As every engine does: the chunks, and the whole text in ``result`` at the end."""
    parts: list[str] = []
    try:
        for chunk in chunks:
            parts.append(chunk)
            yield chunk
    finally:
        result.text = "".join(parts)


def _run(chunks: list[str], *, thinking: bool = False) -> tuple[str, str, list[str], ChatResult]:
    result = ChatResult()
    stream = ChatStream(_produce(chunks, result), result, thinking=thinking)
    thoughts: list[str] = []
    stream.on_reasoning = thoughts.append
    answer = "".join(stream)
    return answer, "".join(thoughts), thoughts, result


def test_an_answer_a_layer_above_made_is_kept() -> None:
    checked = ChatResult(text="The checked answer.")
    stream = ChatStream(iter(["<think>x</think>", "raw"]), checked)
    assert "".join(stream) == "raw"
    assert checked.text == "The checked answer."
    assert checked.reasoning == "x"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, len(RAW)])
def test_the_answer_and_the_thinking_come_apart_however_it_is_cut(size: int) -> None:
    chunks = [RAW[i : i + size] for i in range(0, len(RAW), size)]
    answer, thought, _, result = _run(chunks)
    assert answer == "The answer is 42."
    assert thought.strip() == "The user asks 6*7. That is 42."
    assert result.text == "The answer is 42."
    assert result.reasoning == "The user asks 6*7. That is 42."


def test_a_block_the_prompt_opened() -> None:
    answer, _, _, result = _run(["Thinking hard", "</thi", "nk>\n\nBlue."], thinking=True)
    assert answer == "Blue."
    assert result.reasoning == "Thinking hard"
    assert opens_thinking("<|im_start|>assistant\n<think>\n")
    assert not opens_thinking("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_a_bare_closing_tag_makes_what_came_before_it_thinking() -> None:
    _, _, _, result = _run(["Let me see. ", "It is blue.", "</think>", "\n\nBlue."])
    assert result.text == "Blue."
    assert result.reasoning == "Let me see. It is blue."


def test_a_reasoning_field_of_its_own() -> None:
    answer, _thought, thoughts, result = _run([Thought("Hmm, "), Thought("42."), "It is 42."])
    assert answer == "It is 42."
    assert thoughts == ["Hmm, ", "42."]
    assert result.reasoning == "Hmm, 42."


def test_tags_inside_the_answer_are_its_text() -> None:
    text = "Use <think> in the prompt and close it with </think>."
    answer, _, _, result = _run([text[:10], text[10:]])
    assert answer == text
    assert result.reasoning == ""
    after = "<think>ok</think>Write </think> to close, <think> to open."
    assert _run([after])[0] == "Write </think> to close, <think> to open."


def test_an_answer_that_never_thinks_is_untouched() -> None:
    answer, _, _, result = _run(["  Hello", " <", "b>world</b> <th", "ere"])
    assert answer == "  Hello <b>world</b> <there"
    assert result.text == answer


def test_an_abandoned_stream_keeps_what_came_where_it_belongs() -> None:
    result = ChatResult()
    stream = ChatStream(_produce(["<think>still thinking", " about it", " more"], result), result)
    next(stream.pieces())
    stream.close()
    assert result.text == ""
    assert result.reasoning == "still thinking"


def test_thinking_that_never_ends_leaves_an_empty_answer() -> None:
    splitter = Splitter()
    pieces = [*splitter.feed("<think>on and on"), *splitter.flush()]
    assert all(isinstance(p, Thought) for p in pieces)
    assert "".join(splitter.answer) == ""


def test_which_templates_reason() -> None:
    assert template_reasons("{% if enable_thinking is defined %}...{% endif %}")
    assert template_reasons("{{ '<think>\\n' }}")
    assert not template_reasons("{% for m in messages %}{{ m.content }}{% endfor %}")
