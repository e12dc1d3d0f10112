"""Where a sampled token's time goes on an NVIDIA GPU (issue 38, item 6): each part of
the app's sampler chain in the decode or on the CPU, in a bare loop (one
``llama_sampler_sample`` and one ``llama_decode`` a token, as ``bench/gpu.py``'s
``_floor``), beside llama-bench's same work.

    python bench/gpu_chains.py DIR/model-Q4_K_M.gguf --bin BIN

on the device machine after ``bench/gpu_device.sh`` has built llama.cpp and the model
(with its ``PYTHONPATH`` and ``LLAMA_CPP_LIB_PATH``). One line per chain, ``name: value
unit (note)``; docs/GPU.md has the figures and what they mean.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llama_cpp as lib  # before numpy: the other order crashed model loads (docs/GPU.md)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))

from hushdesk.engine import sampler
from hushdesk.engine.types import SamplingParams

TOKENS, DEPTH, REPEATS = 256, 16, 5
APP = SamplingParams(temperature=0.7, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.1, seed=1)


def chains(llm: Any) -> Iterator[tuple[str, Any, bool]]:
    """(name, chain, whether it is attached to the decode)."""
    vocab = lib.llama_model_get_vocab(llm.model)

    def made(*parts: Any) -> Any:
        chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        for part in parts:
            lib.llama_sampler_chain_add(chain, part)
        return chain

    def cut() -> Any:
        return sampler._cpu_from_here(lib)

    greedy, draw, top_k = (
        lib.llama_sampler_init_greedy,
        lib.llama_sampler_init_dist,
        lib.llama_sampler_init_top_k,
    )
    min_p = lib.llama_sampler_init_min_p
    yield "greedy_in_decode", made(greedy()), True
    yield "greedy_on_cpu", made(greedy()), False
    yield "top_k104_in_decode_greedy_on_cpu", made(top_k(104), cut(), greedy()), True
    yield "top_k104_in_decode_draw_on_cpu", made(top_k(104), cut(), draw(1)), True
    yield "top_k40_in_decode_draw_on_cpu", made(top_k(40), cut(), draw(1)), True
    yield "split_app_settings", sampler.chain(llm, vocab, APP, gpu="split"), True
    yield "app_chain_on_cpu", sampler.chain(llm, vocab, APP), False
    yield "min_p_in_decode_draw_on_cpu", made(min_p(0.05, 1), cut(), draw(1)), True
    yield "temperature_and_draw_in_decode", made(lib.llama_sampler_init_temp(0.7), draw(1)), True


def rate(llm: Any, chain: Any, attached: bool, prompt: list[int]) -> float | None:
    """Median tok/s of TOKENS tokens after ``prompt``; None when llama.cpp refuses to
    run the chain in the decode."""
    ctx = llm._ctx.ctx
    if attached and not lib.llama_set_sampler(ctx, 0, chain):
        return None
    rates = []
    slot = (lib.llama_token * 1)()
    batch = lib.llama_batch_get_one(slot, 1)
    for run in range(REPEATS + 1):  # the first warms up
        llm.reset()
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        lib.llama_sampler_reset(chain)
        llm.eval(prompt)
        started = time.perf_counter()
        for _ in range(TOKENS):
            slot[0] = lib.llama_sampler_sample(chain, ctx, -1)
            lib.llama_decode(ctx, batch)
        lib.llama_synchronize(ctx)
        if run:
            rates.append(TOKENS / (time.perf_counter() - started))
        llm.n_tokens = 0
    if attached:
        lib.llama_set_sampler(ctx, 0, None)
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gguf", type=Path)
    parser.add_argument("--bin", type=Path, required=True, help="llama.cpp's built tools")
    args = parser.parse_args()
    out = subprocess.run(
        [str(args.bin / "llama-bench"), "-m", str(args.gguf), "-ngl", "99", "-p", "0",
         "-n", str(TOKENS), "-d", str(DEPTH), "-fa", "auto", "-r", "10", "-o", "json"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    (test,) = json.loads(out)
    bench = statistics.median(TOKENS / (ns / 1e9) for ns in test["samples_ns"])
    print(f"llama_bench_same_work: {bench:.1f} tok/s ({TOKENS} tokens after {DEPTH})")
    llm = lib.Llama(
        str(args.gguf), n_ctx=2048, n_batch=512, n_gpu_layers=-1, flash_attn=True, verbose=False
    )
    prompt = llm.tokenize(b"Tell me a long story about the sea.", add_bos=True)
    for name, chain, attached in chains(llm):
        found = rate(llm, chain, attached, prompt)
        if found is None:
            print(f"{name}: refused (llama.cpp would not run it in the decode)")
            continue
        print(
            f"{name}: {found:.1f} tok/s ({1e6 / found:.1f} µs a token; "
            f"÷ llama-bench {found / bench:.3f})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
