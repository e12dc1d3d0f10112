"""Decode speed through the app's streaming path vs a bare llama-cpp-python loop,
and time-to-first-token late in a conversation vs its first turn.

    .venv/bin/python bench/decode.py

Both paths run the bundled starter model with the same threads, prompt and greedy
sampling, so they generate the same tokens; runs alternate and the median counts.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from hushdesk import privacy

privacy.apply()
os.environ.setdefault("HUSHDESK_HOME", tempfile.mkdtemp(prefix="hushdesk-bench-"))

from hushdesk.assistant import personas  # noqa: E402
from hushdesk.engine.local import LocalEngine  # noqa: E402
from hushdesk.engine.sizing import default_threads  # noqa: E402
from hushdesk.engine.types import LoadSpec, Message, SamplingParams  # noqa: E402
from hushdesk.models import bundled  # noqa: E402

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle."
MAX_TOKENS = 256
REPEATS = 5
N_CTX = 4096


def app_rate(engine: LocalEngine, messages: list[Message]) -> tuple[float, int]:
    params = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, repeat_penalty=1.0)
    stream = engine.chat(messages, params)
    first = last = 0.0
    for i, _ in enumerate(stream):
        last = time.perf_counter()
        if i == 0:
            first = last
    tokens = stream.result.stats.completion_tokens
    return (tokens - 1) / (last - first), tokens


def bare_rate(llm, tokens: list[int], vocab, lib) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    llm.reset()
    count, first = 0, 0.0
    for token in llm.generate(
        tokens, temp=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0
    ):
        if lib.llama_vocab_is_eog(vocab, token):
            break
        llm.detokenize([token])
        count += 1
        if count == 1:
            first = time.perf_counter()
        last = time.perf_counter()
        if count >= MAX_TOKENS:
            break
    return (count - 1) / (last - first), count


def ttft_turns(model: str, threads: int) -> tuple[float, float]:
    """TTFT of turn 1 and turn 10 of one conversation, on a fresh engine (cold KV cache)
    with the app's default system prompt, as a new chat in the app starts."""
    engine = LocalEngine()
    engine.load(LoadSpec(model, n_ctx=N_CTX, n_threads=threads))
    params = SamplingParams(temperature=0.0, max_tokens=40, repeat_penalty=1.0)
    messages: list[Message] = [Message("system", personas.get(personas.DEFAULT).system)]
    ttfts = []
    questions = [
        "Name a fruit.",
        "Why is it healthy?",
        "Name a vegetable.",
        "How do I cook it?",
        "Name a city.",
        "What is it known for?",
        "Name a river.",
        "How long is it?",
        "Name a colour.",
        "What does it remind you of?",
    ]
    for question in questions:
        messages.append(Message("user", question))
        started = time.perf_counter()
        stream = engine.chat(messages, params)
        first = None
        for _ in stream:
            if first is None:
                first = time.perf_counter() - started
        messages.append(Message("assistant", stream.result.text))
        ttfts.append(first or 0.0)
    engine.close()
    return ttfts[0], ttfts[-1]


def main() -> int:
    model = bundled.STARTER_CHAT.locate()
    if model is None:
        print(bundled.MISSING_CHAT_MODEL, file=sys.stderr)
        return 1
    threads = default_threads()
    import llama_cpp

    messages = [Message("user", PROMPT)]
    with LocalEngine() as engine:
        engine.load(LoadSpec(str(model), n_ctx=N_CTX, n_threads=threads))
        llm = llama_cpp.Llama(
            model_path=str(model),
            n_ctx=N_CTX,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=512,
            verbose=False,
        )
        prompt_tokens = _render(engine, llm, messages)
        app, bare = [], []
        for _ in range(REPEATS):
            rate, n_app = app_rate(engine, messages)
            app.append(rate)
            rate, n_bare = bare_rate(llm, prompt_tokens, llm._model.vocab, llama_cpp)
            bare.append(rate)
        del llm
    runs = [ttft_turns(str(model), threads) for _ in range(3)]
    turn1 = statistics.median(r[0] for r in runs)
    turn10 = statistics.median(r[1] for r in runs)
    app_tps, bare_tps = statistics.median(app), statistics.median(bare)
    print(f"threads: {threads}")
    print(f"tokens_per_run: app {n_app}, bare {n_bare}")
    print(f"app_decode: {app_tps:.1f} tokens/s")
    print(f"bare_decode: {bare_tps:.1f} tokens/s")
    print(f"ttft_turn1: {turn1 * 1000:.1f} ms")
    print(f"ttft_turn10: {turn10 * 1000:.1f} ms")
    print(f"ttft_turn10_ratio: {turn10 / turn1:.2f} (target <= 1.2)")
    print(f"decode_ratio: {app_tps / bare_tps:.3f} (target >= 0.97)")
    return 0


def _render(engine: LocalEngine, llm, messages: list[Message]) -> list[int]:  # type: ignore[no-untyped-def]
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    model = llm._model
    formatter = Jinja2ChatFormatter(
        template=llm.metadata["tokenizer.chat_template"],
        eos_token=model.token_get_text(llm.token_eos()),
        bos_token=model.token_get_text(llm.token_bos()),
    )
    prompt = formatter(messages=[m.to_dict() for m in messages]).prompt
    tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    assert len(tokens) == engine.count_tokens(messages), "bench prompt differs from the app's"
    return tokens


if __name__ == "__main__":
    sys.exit(main())
