"""Time to the first word of a cited answer, against the time the model needs to read
the same prompt.

    .venv/bin/python bench/grounded.py [--questions N]

A library holds the real documents of bench/quality.py (five licences and a
constitution, printed into PDFs; fetched once into its cache). Each answerable question
of bench/sets/licences.toml is asked the way the window asks it: a new conversation
grounded in the library (the question embedded, hybrid retrieval, the passages' tokens
counted, the prompt prefilled), on the bundled starter model, greedy, one token, after
a prompt that shares nothing with it (other work took the cache: the answer's system
prompt can come only from the copy the engine keeps, engine.openings). The prompt the
model received is kept; then the engine alone is timed to the first token of that same
prompt read afresh (``cache_prompt`` off): the prefill bound.

Per question the ratio of the two; printed are the median and spread (p10–p90), the
prompt's tokens, how many of them are passages and how many were not read again (the
kept system prompt), and where the time before the prefill goes (retrieval, the token
count). Headline last: ``grounded_ttft_ratio``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import quality  # noqa: E402  (the real documents and the question set)
from hushdesk import privacy  # noqa: E402
from hushdesk.engine.types import Message, SamplingParams  # noqa: E402

TARGET = 1.15
ONE = SamplingParams(temperature=0.0, max_tokens=1)


class Recorder:
    """The session's engine, with the last prompt it was sent and its token counts timed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.messages: list[Message] = []
        self.count_s = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def chat(self, messages: Any, params: SamplingParams) -> Any:
        self.messages = list(messages)
        return self.inner.chat(messages, params)

    def count_tokens(self, messages: Any) -> int:
        started = time.perf_counter()
        try:
            return int(self.inner.count_tokens(messages))
        finally:
            self.count_s += time.perf_counter() - started


def first_piece(stream: Any, started: float) -> float:
    """Seconds from ``started`` to the stream's first piece; the rest is read too."""
    first = 0.0
    for _ in stream:
        first = first or time.perf_counter() - started
    return first


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=12)
    args = parser.parse_args()
    quality.CACHE.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-grounded-"))
    paths = quality.documents(folder, quality.SETS["licences"])
    privacy.apply()  # the documents are here: from now on nothing leaves the machine
    from tests.keys import use_passphrase_file

    os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
    use_passphrase_file()
    from hushdesk.app import App
    from hushdesk.assistant.grounding import grounder_for
    from hushdesk.services.conversations import ChatSetup

    app = App()
    try:
        library = app.documents.library("Bench")
        app.library.ingest(library, paths)
        model = app.runtime.chat_model()
        engine = app.runtime.engine_for(model)
        grounder = grounder_for(app.library, [library.name])
        setup = ChatSetup(libraries=[library.name], sampling={"temperature": 0.0, "max_tokens": 1})
        questions = [q["question"] for q in quality.SETS["licences"]["answerable"]][
            : args.questions
        ]
        other = [Message("system", "Z"), Message("user", "x")]  # shares no prefix with ours
        ratios, grounded, bound, rest = [], [], [], []
        tokens, passages, kept, retrieval, counting = [], [], [], [], []
        for i, question in enumerate([questions[0], *questions]):  # the first warms up
            chat = app.conversations.open(setup=setup, keep=False)
            recorder = Recorder(chat.session.engine)
            chat.session.engine = recorder
            engine.chat(other, ONE).collect()  # other work took the cache
            started = time.perf_counter()
            stream = app.conversations.send(chat, question)
            ttft = first_piece(stream, started)
            reading = stream.result.stats.prefill_s  # the model reading what was not cached
            prompt = recorder.messages
            started = time.perf_counter()
            floor = first_piece(engine.chat(prompt, replace(ONE, cache_prompt=False)), started)
            started = time.perf_counter()
            grounder(question)
            looked_up = time.perf_counter() - started
            if i == 0:
                continue
            bare = [*prompt[:-1], Message("user", question)]
            size = engine.count_tokens(prompt)
            ratios.append(ttft / floor)
            grounded.append(ttft)
            bound.append(floor)
            tokens.append(size)
            passages.append(size - engine.count_tokens(bare))
            kept.append(stream.result.stats.cached_tokens)
            retrieval.append(looked_up)
            counting.append(recorder.count_s)
            rest.append(ttft - reading)
    finally:
        app.close()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    spread = f"p10 {percentile(ratios, 0.1):.3f}, p90 {percentile(ratios, 0.9):.3f}"
    print(f"questions: {len(ratios)} (each a new grounded conversation), starter model, greedy")
    print(f"grounded_prompt_tokens: {statistics.median(tokens):.0f} tokens (median)")
    print(f"grounded_passage_tokens: {statistics.median(passages):.0f} tokens (median)")
    print(f"grounded_kept_tokens: {statistics.median(kept):.0f} tokens (median; not read again)")
    print(f"grounded_retrieval_ms: {ms(retrieval)} (embedding the question, hybrid search)")
    print(f"grounded_count_ms: {ms(counting)} (the prompt's tokens counted to fit the context)")
    print(f"grounded_prefill_bound_ms: {ms(bound)} (the same prompt, read afresh)")
    print(f"grounded_ttft_ms: {ms(grounded)} (question to first token, as the window asks)")
    print(f"grounded_overhead_ms: {ms(rest)} (all but the model reading the uncached prompt)")
    print(f"grounded_ttft_ratio: {statistics.median(ratios):.3f} ({spread}; target <= {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
