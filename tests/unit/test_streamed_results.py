"""A rewrite or a draft streams without what a small model copies from its prompt."""

from __future__ import annotations

import pytest

from hushdesk.assistant.generation import Tidied
from hushdesk.assistant.writing import Writer
from tests.fakes import FakeEngine

TEXT = "the meeting is moved to tuesday. please tell the team."


def streamed(output: str, echo: str = "", size: int = 3) -> str:
    shown: list[str] = []
    tidied = Tidied(shown.append, echo=echo)
    for i in range(0, len(output), size):
        tidied(output[i : i + size])
    return "".join(shown)


@pytest.mark.parametrize("size", [1, 3, 50])
def test_the_fence_the_echo_and_a_preamble_are_held_back(size: int) -> None:
    output = f"<<<\n{TEXT}\n>>>\nHere is the rewritten text:\nThe meeting moves to Tuesday.\n>>>"
    assert streamed(output, echo=TEXT, size=size).strip() == "The meeting moves to Tuesday."


def test_a_result_streams_as_it_comes() -> None:
    shown: list[str] = []
    tidied = Tidied(shown.append, echo=TEXT)
    tidied("The meeting moves to Tuesday. ")
    assert shown == ["The meeting moves to Tuesday. "]  # a sentence: no preamble, no echo
    tidied("Please tell")
    assert shown[-1] == "Please tell"


def test_text_that_only_looks_like_a_fence_mark_is_shown() -> None:
    assert streamed("Costs: <5 % of the budget\nand >3 weeks.") == (
        "Costs: <5 % of the budget\nand >3 weeks."
    )


def test_a_rewrite_streams_no_prompt_fence() -> None:
    engine = FakeEngine(reply=f"<<<\n{TEXT}\n>>>\nThe meeting moves to Tuesday; tell the team.")
    shown: list[str] = []
    result = Writer(engine).rewrite(TEXT, on_text=shown.append).text
    assert "<<<" not in "".join(shown)
    assert ">>>" not in "".join(shown)
    assert "".join(shown).strip() == result == "The meeting moves to Tuesday; tell the team."
