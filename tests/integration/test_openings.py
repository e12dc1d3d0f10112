"""A prompt's opening (its system prompt) kept per model: read once, reused after other
work, with the answer a fresh read gives (real llama.cpp, the bundled starter model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hushdesk.engine.local import LocalEngine
from hushdesk.engine.types import Message, SamplingParams

pytestmark = pytest.mark.slow

GREEDY = SamplingParams(temperature=0.0, max_tokens=24)
RULES = (
    "You answer questions about the passages the user gives, and only from them. Quote the "
    "passage's own words where you can, cite it by its number in brackets, and say plainly "
    "when the passages do not hold the answer. Never guess a date, a sum or a name."
)


def asked(question: str) -> list[Message]:
    return [Message("system", RULES), Message("user", question)]


def test_the_system_prompt_is_read_once_across_conversations(engine: LocalEngine) -> None:
    first = engine.chat(asked("[1] The rent is 900 euros. How much is the rent?"), GREEDY)
    first.collect()
    engine.chat([Message("system", "Be brief."), Message("user", "Say hi")], GREEDY).collect()
    question = asked("[1] Notice is three months. How long is the notice?")
    later = engine.chat(question, GREEDY).collect()
    rules_only = engine.count_tokens([Message("system", RULES)])
    # The other conversation took the cache; the rules came back from their copy.
    assert later.stats.cached_tokens >= rules_only - 8
    assert later.stats.prompt_eval_tokens == later.stats.prompt_tokens - later.stats.cached_tokens
    fresh = engine.chat(question, replace(GREEDY, cache_prompt=False)).collect()
    assert fresh.stats.cached_tokens == 0
    assert fresh.stats.prompt_eval_tokens == fresh.stats.prompt_tokens
    assert later.text == fresh.text  # the copy is what a fresh read writes


def test_a_short_system_prompt_is_not_kept(engine: LocalEngine) -> None:
    brief = Message("system", "Be brief.")
    engine.chat([brief, Message("user", "Name a colour.")], GREEDY).collect()
    engine.chat([Message("system", "Be kind."), Message("user", "Say hi")], GREEDY).collect()
    again = engine.chat([brief, Message("user", "Name a fruit.")], GREEDY).collect()
    assert again.stats.cached_tokens < 8  # read again: too short to be worth a copy
