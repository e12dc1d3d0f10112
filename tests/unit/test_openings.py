"""engine.openings' bookkeeping, against a stand-in for llama.cpp's state calls."""

from __future__ import annotations

from typing import Any

import numpy as np

from hushdesk.engine import openings
from hushdesk.engine.openings import Openings


class Lib:
    """llama.cpp's sequence-state calls: a copy is the tokens' bytes."""

    def __init__(self, llm: Llm, refuse: bool = False) -> None:
        self.llm, self.refuse = llm, refuse

    def llama_state_seq_get_size(self, ctx: Any, seq: int) -> int:
        return 100 * self.llm.n_tokens

    def llama_state_seq_get_data(self, ctx: Any, data: Any, size: int, seq: int) -> int:
        return size

    def llama_state_seq_set_data(self, ctx: Any, data: Any, size: int, seq: int) -> int:
        return 0 if self.refuse else size


class Ctx:
    def __init__(self, llm: Llm) -> None:
        self.ctx, self.llm = object(), llm

    def kv_cache_seq_rm(self, seq: int, start: int, end: int) -> bool:
        return True


class Llm:
    def __init__(self) -> None:
        self.input_ids = np.zeros(512, dtype=np.intc)
        self.n_tokens = 0
        self._ctx = Ctx(self)

    def reset(self) -> None:
        self.n_tokens = 0

    def hold(self, tokens: list[int]) -> None:
        self.input_ids[: len(tokens)] = tokens
        self.n_tokens = len(tokens)


RULES = list(range(1, 41))


def test_the_longest_kept_opening_is_restored_over_a_shorter_cached_prefix() -> None:
    llm = Llm()
    kept = Openings(Lib(llm))
    llm.hold(RULES)
    kept.keep(llm)
    llm.hold([*RULES[:3], 99, 98])  # another prompt took the cache
    assert kept.reused(llm, [*RULES, 7, 8]) == len(RULES)
    assert list(llm.input_ids[: llm.n_tokens]) == RULES
    llm.hold([*RULES, 7, 8, 9])  # what the cache holds already wins when longer
    assert kept.reused(llm, [*RULES, 7, 8, 10]) == len(RULES) + 2
    assert kept.reused(llm, [*RULES, 7, 8, 10], cache=False) == 0


def test_copies_are_bounded_in_number_and_bytes_oldest_out_first() -> None:
    llm = Llm()
    kept = Openings(Lib(llm), max_bytes=100 * 90, kept=2)
    for first in (100, 200, 300):
        llm.hold([first, *RULES])
        kept.keep(llm)
    assert len(kept) == 2
    assert kept.reused(llm, [100, *RULES, 5]) == 0  # the oldest went
    llm.hold(list(range(500, 600)))  # 100 tokens: more than all copies may hold
    kept.keep(llm)
    assert len(kept) == 2
    assert kept.size <= 100 * 90


def test_a_copy_llama_cpp_refuses_is_dropped_and_the_prompt_read_afresh() -> None:
    llm = Llm()
    kept = Openings(Lib(llm, refuse=True))
    llm.hold(RULES)
    kept.keep(llm)
    llm.hold([77])
    assert kept.reused(llm, [*RULES, 1]) == 0
    assert llm.n_tokens == 0
    assert len(kept) == 0


def test_the_opening_is_the_system_text_only_when_it_tokenizes_as_in_the_prompt() -> None:
    def words(text: str, special: bool, first: bool) -> list[int]:
        return [len(w) for w in text.split()]

    system = " ".join(["rule"] * 40)
    pieces = [("<s>", True), (system, False), ("</s><u>", True), ("question", False)]
    tokens = [len("<s>"), *[4] * 40, len("</s><u>"), len("question")]
    assert openings.opening(pieces, 1, words, tokens) == 41
    assert openings.opening(pieces, 0, words, tokens) == 0  # no system message
    assert openings.opening(pieces, 1, words, [9, *tokens[1:]]) == 0  # tokenized otherwise
    short = [("<s>", True), ("rule", False), ("</s>", True), ("q", False)]
    assert openings.opening(short, 1, words, [3, 4, 4, 1]) == 0  # not worth a copy
