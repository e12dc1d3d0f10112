"""The KV cache of a prompt's opening — its system prompt and instructions — kept per
model, so that a cited answer asked after other work (a summary, another conversation,
a draft) reads only its passages and question, not its instructions again.

The context already reuses whatever prefix the last prompt shares with the next one
(``reused``). What it cannot do alone is keep an opening once another prompt has taken
its place. So when the cache holds exactly a prompt's opening, a copy of that sequence's
KV is taken (``llama_state_seq_get_data``), and a later prompt that begins with the same
tokens, when the cache holds less of them, starts from the copy
(``llama_state_seq_set_data``). The copies are the bytes the decode wrote: an answer
from a copy is the answer from a fresh read, token for token, because the prompt is
always read in steps that end at the opening.

Written here because llama-cpp-python's own cache (``LlamaRAMCache``) saves the whole
context's state after each prompt, keyed by the prompt, for its ``generate`` loop: the
app decodes with its own (``worker``) and wants only the openings, small and bounded.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

MIN_TOKENS = 32  # a shorter opening is read faster than its copy is made and kept
MAX_BYTES = 64 << 20  # all copies together, within the engine child's memory margin
KEPT = 4  # openings kept at most (the least recently used goes first)


def opening(
    pieces: Sequence[tuple[str, bool]],
    leading: int,
    text_tokens: Callable[[str, bool, bool], list[int]],
    tokens: Sequence[int],
) -> int:
    """How many of ``tokens`` are the opening: the laid-out pieces up to the text of the
    ``leading`` system messages; 0 when there is none or it does not tokenize alone as it
    does in the whole prompt."""
    if not leading:
        return 0
    alone: list[int] = []
    for text, special in pieces[: 2 * leading]:
        if text or not alone:
            alone += text_tokens(text, special, not alone)
    n = len(alone)
    return n if MIN_TOKENS <= n < len(tokens) and list(tokens[:n]) == alone else 0


class Openings:
    """Copies of the KV of recent prompts' openings, for one loaded model."""

    def __init__(self, lib: Any, max_bytes: int = MAX_BYTES, kept: int = KEPT) -> None:
        self._lib = lib
        self._max_bytes, self._kept = max_bytes, kept
        self._copies: OrderedDict[tuple[int, ...], Any] = OrderedDict()

    @property
    def size(self) -> int:
        """Bytes held by the copies."""
        return sum(len(c) for c in self._copies.values())

    def __len__(self) -> int:
        return len(self._copies)

    def clear(self) -> None:
        self._copies.clear()

    def reused(self, llm: Any, tokens: Sequence[int], *, cache: bool = True) -> int:
        """Make the context hold the longest start of ``tokens`` it can: what it already
        holds of them, or a kept opening when that is longer. Returns how many tokens
        are held (never all: the last one is read again for fresh logits). ``cache``
        off: nothing is reused, the whole prompt is read afresh."""
        ids, cached = llm.input_ids, llm.n_tokens
        keep, limit = 0, min(cached, len(tokens)) if cache else 0
        while keep < limit and ids[keep] == tokens[keep]:
            keep += 1
        keep = min(keep, len(tokens) - 1)
        if keep < cached and keep and llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            llm.n_tokens = keep
        elif keep < cached or not keep:
            keep = 0
            forget(llm)  # an empty KV cache, whatever came before
        best = self._longest(tokens, keep) if cache else None
        return self._restore(llm, best) if best else keep

    def _longest(self, tokens: Sequence[int], than: int) -> tuple[int, ...] | None:
        """The longest kept opening that starts ``tokens`` and is longer than ``than``."""
        fits = [k for k in self._copies if than < len(k) < len(tokens)]
        return max((k for k in fits if tuple(tokens[: len(k)]) == k), key=len, default=None)

    def keep(self, llm: Any) -> None:
        """Take a copy of what the context holds now: exactly a prompt's opening."""
        lib, ctx, n = self._lib, llm._ctx.ctx, llm.n_tokens
        key = tuple(int(t) for t in llm.input_ids[:n])
        if key in self._copies:
            self._copies.move_to_end(key)
            return
        size = int(lib.llama_state_seq_get_size(ctx, 0))
        if not size or size > self._max_bytes:
            return
        try:
            data = (ctypes.c_uint8 * size)()
        except MemoryError:
            return  # no copy: the next prompt reads its opening, as without them
        if int(lib.llama_state_seq_get_data(ctx, data, size, 0)) != size:
            return
        self._copies[key] = data
        while len(self._copies) > self._kept or self.size > self._max_bytes:
            self._copies.popitem(last=False)

    def _restore(self, llm: Any, key: tuple[int, ...]) -> int:
        """The context made to hold the opening ``key`` from its copy; its length, or 0
        (and an empty context) when llama.cpp refused the copy."""
        forget(llm)
        data = self._copies[key]
        if not self._lib.llama_state_seq_set_data(llm._ctx.ctx, data, len(data), 0):
            del self._copies[key]
            forget(llm)
            return 0
        self._copies.move_to_end(key)
        llm.input_ids[: len(key)] = key
        llm.n_tokens = len(key)
        return len(key)


def forget(llm: Any) -> None:
    """An empty KV cache and no tokens held."""
    llm.reset()
    llm._ctx.kv_cache_seq_rm(-1, 0, -1)
