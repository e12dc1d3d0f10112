"""llama.cpp's sampler chain for one request, built from ``SamplingParams`` (in the
engine child, for ``worker.Runner``)."""

from __future__ import annotations

import ctypes
from typing import Any

from hushdesk.engine.types import SamplingParams
from hushdesk.errors import ModelError


def chain(llm: Any, vocab: Any, params: SamplingParams, *, gpu: str = "") -> Any:
    """llama.cpp's own sampler chain for one request: repetition penalty, grammar,
    then greedy at temperature 0, else top-k, top-p, min-p, temperature and a seeded
    draw. The caller frees it (``llama_sampler_free``).

    The penalty would scan the whole vocabulary for every token (a real share of
    decode: bench/gpu.py measures it), so a top-k of ``k + window`` comes first: a
    penalty only lowers the at most ``window`` tokens it has seen, so the ``k`` best
    after it are all among the ``k + window`` best before it — the same tokens, the
    same draw. Not with a grammar, which may refuse all of them.

    ``gpu``: what of the chain runs inside the decode when it is attached there
    (``llama_set_sampler``); llama.cpp runs its parts there up to the first one that
    has no back-end version. "split": that first top-k only (``k + window`` candidates
    come back instead of every logit), then ``_cpu_from_here`` and the rest on the CPU.
    "all": every part there, without that first top-k (llama.cpp 0.3.36's back-end
    top-p fails on what two back-end top-ks in a row leave). "": no part is attached."""
    import llama_cpp as lib

    made = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())

    def add(part: Any) -> None:
        lib.llama_sampler_chain_add(made, part)  # the chain owns it (and frees it)

    sampled = params.temperature > 0
    keep = params.top_k if sampled else 1
    try:
        if params.repeat_penalty != 1.0 or gpu == "split":
            window = llm.last_n_tokens_size
            if keep > 0 and not params.grammar and gpu in ("", "split"):
                add(lib.llama_sampler_init_top_k(keep + window))
                if gpu == "split":
                    add(_cpu_from_here(lib))
            if params.repeat_penalty != 1.0:
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
            # No seed asked: llama.cpp draws one at every reset, so a chain that stays
            # attached between answers does not repeat its draws.
            seed = params.seed if params.seed >= 0 else lib.LLAMA_DEFAULT_SEED
            add(lib.llama_sampler_init_top_k(params.top_k))
            add(lib.llama_sampler_init_top_p(params.top_p, 1))
            add(lib.llama_sampler_init_min_p(params.min_p, 1))
            add(lib.llama_sampler_init_temp(params.temperature))
            add(lib.llama_sampler_init_dist(seed))
    except BaseException:
        lib.llama_sampler_free(made)
        raise
    return made


def in_decode(mode: str, params: SamplingParams, *, offloaded: bool) -> str:
    """How much of a request's chain runs inside the decode (``chain``'s ``gpu``) under
    ``Runner.gpu_sampling`` ``mode``, with every layer on a GPU (``offloaded``): "" when
    none does. A greedy chain always runs there whole."""
    if mode == "off" or params.grammar or params.thinking_budget or not offloaded:
        return ""  # a thinking budget's end is written into the context
    if params.temperature <= 0:
        return "all"
    return mode if mode in ("split", "all") and params.top_k > 0 else ""


def settings(params: SamplingParams, where: str) -> tuple[object, ...]:
    """What an attached chain was built from: the same settings reuse it."""
    sampled = params.temperature > 0
    drawn = (params.temperature, params.top_k, params.top_p, params.min_p, params.seed)
    return (where, params.repeat_penalty, sampled) + (drawn if sampled else ())


_BOUNDARY: list[Any] = []  # the interface below, its callback and name, alive while loaded


def _cpu_from_here(lib: Any) -> Any:
    """A chain part that does nothing and has no back-end version, so the parts after
    it run on the CPU. llama.cpp has no such part: each of its own, set so as to change
    nothing, becomes the "empty" part, which runs on the back end. Every entry of its
    interface but the name is NULL, and a chain skips a NULL apply, accept and reset."""
    if not _BOUNDARY:
        # The name's address, not bytes: a c_char_p callback that returns a new bytes
        # object leaks it, and ctypes says so on stderr every call.
        text = ctypes.create_string_buffer(b"cpu-from-here")
        name = lib.llama_sampler_i_name(lambda _smpl: ctypes.addressof(text))
        iface = lib.llama_sampler_i()
        iface.name = name
        _BOUNDARY.extend((name, iface, text))
    return lib.llama_sampler_init(ctypes.byref(_BOUNDARY[1]), None)
