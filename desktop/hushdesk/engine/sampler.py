"""llama.cpp's sampler chain for one request, built from ``SamplingParams`` (in the
engine child, for ``worker.Runner``)."""

from __future__ import annotations

import random
from typing import Any

from hushdesk.engine.types import SamplingParams
from hushdesk.errors import ModelError


def chain(llm: Any, vocab: Any, params: SamplingParams, *, on_gpu: bool = False) -> Any:
    """llama.cpp's own sampler chain for one request: repetition penalty, grammar,
    then greedy at temperature 0, else top-k, top-p, min-p, temperature and a seeded
    draw. The caller frees it (``llama_sampler_free``).

    On the CPU the penalty would scan the whole vocabulary for every token (a real
    share of decode: bench/gpu.py measures it), so a top-k of ``k + window`` comes first:
    a penalty only lowers the at most ``window`` tokens it has seen, so the ``k``
    best after it are all among the ``k + window`` best before it — the same tokens,
    the same draw. Not with a grammar, which may refuse all of them; not ``on_gpu``,
    where llama.cpp runs the chain inside the decode."""
    import llama_cpp as lib

    made = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())

    def add(part: Any) -> None:
        lib.llama_sampler_chain_add(made, part)  # the chain owns it (and frees it)

    sampled = params.temperature > 0
    keep = params.top_k if sampled else 1
    try:
        if params.repeat_penalty != 1.0:
            window = llm.last_n_tokens_size
            if keep > 0 and not params.grammar and not on_gpu:
                add(lib.llama_sampler_init_top_k(keep + window))
            add(
                lib.llama_sampler_init_penalties(
                    llm.n_vocab(), window, params.repeat_penalty, 0.0, 0.0
                )
            )
        if params.grammar:
            grammar = lib.llama_sampler_init_grammar(vocab, params.grammar.encode("utf-8"), b"root")
            if not grammar:
                raise ModelError("The output grammar (GBNF) could not be parsed.")
            add(grammar)
        if not sampled:
            add(lib.llama_sampler_init_greedy())
        else:
            seed = params.seed if params.seed >= 0 else random.randrange(2**31)
            add(lib.llama_sampler_init_top_k(params.top_k))
            add(lib.llama_sampler_init_top_p(params.top_p, 1))
            add(lib.llama_sampler_init_min_p(params.min_p, 1))
            add(lib.llama_sampler_init_temp(params.temperature))
            add(lib.llama_sampler_init_dist(seed))
    except BaseException:
        lib.llama_sampler_free(made)
        raise
    return made
