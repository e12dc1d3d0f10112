"""Prompt-lookup decoding: where an answer copies from its prompt — a cited answer
quoting its passages, a summary step restating a part, a rewrite keeping most of the
text — the tokens that come next are often those that followed the last few tokens
somewhere earlier. They are proposed as a draft and the model checks them all in one
batch: at each position its own choice is drawn (the same sampler chain, in the same
order, as plain decoding draws it), the draft is kept up to the first token the model
would not have written, and that token is the next one. So the output is the plain
decoding's, token for token, as far as a batch computes the same logits as single
steps (the last bits may differ: a greedy answer can then part from the plain one);
only the number of model calls changes.

Off in the app (``SamplingParams.lookup``): on two CPU cores a batch of k tokens costs
nearly k single steps and about half the drafted tokens are refused, so it was slower
(``bench/lookup.py``: about 0.9x with the 0.5B benchmark model on the app's own cited
answers and summary steps); it pays where batches are cheap and answers copy more.
Why the output can part from plain decoding, measured with the 0.5B model on this CPU
(2026-12-07): from 4 tokens a batch takes llama.cpp's matrix path, whose rounding puts
its logits up to 0.6 from the single steps'; with flash attention a batch of 2 or 3 is
bit-identical to single steps (the same kernels) but costs 2.4 and 3.5 of them, every
row's logits over the whole vocabulary included. So no batch here is both exact and
cheaper.

Written here because llama-cpp-python's ``LlamaPromptLookupDecoding`` only proposes
drafts for its own ``generate`` loop, and the app decodes with its own (``worker``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hushdesk.engine.types import GenerationStats
from hushdesk.errors import ModelError

if TYPE_CHECKING:  # numpy is imported where it is used: see worker.serve
    import numpy as np

NGRAM = 3  # the longest run of recent tokens looked for
SHORTEST = 3  # and the shortest: shorter runs propose too often in vain
MAX_DRAFT = 16  # tokens proposed at most
PAUSE = 8  # tokens decoded plainly after a draft the model refused outright


def draft(history: np.ndarray, size: int, ngram: int = NGRAM) -> list[int]:
    """What followed the latest earlier occurrence of the last ``ngram`` (then shorter,
    down to ``SHORTEST``) tokens of ``history``; [] when they occur nowhere before."""
    import numpy as np

    n = len(history)
    for length in range(min(ngram, n - 1), SHORTEST - 1, -1):
        tail = history[n - length :]
        span = n - length  # where a match may start (not the tail itself)
        hits = np.ones(span, dtype=bool)
        for offset in range(length):
            hits &= history[offset : offset + span] == tail[offset]
        found = np.flatnonzero(hits)
        if len(found):
            start = int(found[-1]) + length
            return [int(t) for t in history[start : start + size]]
    return []


class Drafter:
    """Drafts for one answer, checked in batches; a draft's length follows how much of
    the last ones the model confirmed (longer while it copies, shorter when it does
    not), so an answer that copies nothing pays little."""

    def __init__(self) -> None:
        import llama_cpp as lib

        self._lib = lib
        self.size = 4
        self._batch = lib.llama_batch_init(MAX_DRAFT + 1, 0, 1)
        self.pause = 0

    def fresh(self) -> Drafter:
        """For a new answer: drafts start short again."""
        self.size, self.pause = 8, 0
        return self

    def propose(self, history: np.ndarray, room: int) -> list[int]:
        if self.pause:  # the last draft was refused outright: plain decoding a while
            self.pause -= 1
            return []
        return draft(history, min(self.size, room)) if room > 0 else []

    def tokens_after(
        self, llm: Any, chain: Any, token: int, room: int, stats: GenerationStats
    ) -> list[tuple[int, bool]]:
        """``token`` (the last drawn) and a draft from the prompt checked in one batch:
        the tokens to come, as (token, already cached); [] when there was no draft
        (``token`` is then evaluated alone). At most ``room`` tokens are drafted."""
        import numpy as np

        drafted = self.propose(np.append(llm.input_ids[: llm.n_tokens], token), room)
        if not drafted:
            return []
        try:
            confirmed, after = self.check(llm, chain, token, drafted)
        except ModelError:
            llm.reset()  # the cache is in an unknown state: start afresh
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            raise
        stats.drafted_tokens += len(drafted)
        stats.confirmed_tokens += len(confirmed)
        return [*((t, True) for t in confirmed), (after, False)]

    def check(self, llm: Any, chain: Any, token: int, drafted: list[int]) -> tuple[list[int], int]:
        """Evaluate ``token`` (the last one drawn) and the draft in one batch; the draft's
        tokens the model confirms, and the token it draws after them. The cache keeps
        ``token`` and the confirmed ones; the rest of the draft leaves it."""
        lib, batch = self._lib, self._batch
        ctx, n_past = llm._ctx.ctx, llm.n_tokens
        tokens = [token, *drafted]
        for i, t in enumerate(tokens):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = t, n_past + i, 1
            batch.seq_id[i][0], batch.logits[i] = 0, True
        batch.n_tokens = len(tokens)
        if lib.llama_decode(ctx, batch) != 0:
            raise ModelError("llama.cpp could not evaluate the next tokens.")
        confirmed: list[int] = []
        for i in range(len(tokens)):
            drawn = int(lib.llama_sampler_sample(chain, ctx, i))  # accepted, as plain decoding
            if i < len(drafted) and drawn == drafted[i]:
                confirmed.append(drawn)
                continue
            break
        kept = [token, *confirmed]
        llm.input_ids[n_past : n_past + len(kept)] = kept
        llm.n_tokens = n_past + len(kept)
        llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)  # the draft's rejected tokens
        full = len(confirmed) == len(drafted)
        self.size = min(MAX_DRAFT, self.size * 2) if full else max(4, len(confirmed) + 1)
        self.pause = 0 if confirmed else PAUSE
        return confirmed, drawn
