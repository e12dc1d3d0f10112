"""Prompt-lookup decoding (engine.lookup) on the prompts the app really sends: tokens a
second with drafts from the prompt against without, and whether the answers are the same.

    .venv/bin/python bench/lookup.py [--questions N] [--model qwen2.5-coder-0.5b]

Drafts are off in the app (``SamplingParams.lookup``): measured here on 2 CPU cores they
cost more than they save (a batch of k tokens costs the CPU nearly k single steps, and
about half of the drafted tokens are refused), and batched logits may differ from
single-step ones in the last bits, so a greedy answer can part from the plain one.

The prompts are recorded from the app at work on the real documents of
bench/quality.py's licences set: cited answers to its questions (a grounded
conversation each) and the steps of a key-points summary of its longest document. Each
is then written by the benchmark model (Qwen2.5-Coder 0.5B by default, fetched once
into the cache; ``--model starter`` for the bundled one), greedy as the app writes them,
with and without drafts, from an empty cache each time. Tokens a second are the
answers' tokens over the time spent writing them, for each kind of prompt.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import quality  # noqa: E402  (the real documents, the benchmark models)
from hushdesk import privacy  # noqa: E402
from hushdesk.engine.types import LoadSpec, Message, SamplingParams  # noqa: E402

TARGET = 1.3
MAX_TOKENS = 200


class Recorder:
    """An engine that keeps every prompt it is sent, with its sampling."""

    def __init__(self, inner: Any, kept: list[tuple[str, list[Message], SamplingParams]]) -> None:
        self.inner, self.kept, self.kind = inner, kept, "answer"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def chat(self, messages: Any, params: SamplingParams) -> Any:
        self.kept.append((self.kind, list(messages), params))
        return self.inner.chat(messages, params)


def record(questions: int) -> list[tuple[str, list[Message], SamplingParams]]:
    """The prompts of cited answers and of a summary's steps, as the app sends them."""
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-lookup-"))
    paths = quality.documents(folder, quality.SETS["licences"])
    privacy.apply()  # the documents are here: from now on nothing leaves the machine
    from tests.keys import use_passphrase_file

    os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
    use_passphrase_file()
    from hushdesk.app import App
    from hushdesk.assistant.summarize import Options
    from hushdesk.services.conversations import ChatSetup

    kept: list[tuple[str, list[Message], SamplingParams]] = []
    app = App()
    try:
        library = app.documents.library("Bench")
        app.library.ingest(library, paths)
        engine_for = app.runtime.engine_for
        recorder = Recorder(None, kept)

        def recording(model: Any) -> Any:
            recorder.inner = engine_for(model)
            return recorder

        app.runtime.engine_for = recording  # type: ignore[method-assign]
        setup = ChatSetup(libraries=[library.name], sampling={"max_tokens": 1})
        for question in [q["question"] for q in quality.SETS["licences"]["answerable"]][:questions]:
            chat = app.conversations.open(setup=setup, keep=False)
            chat.session.engine = recorder
            app.conversations.send(chat, question).collect()
        recorder.kind = "summary step"
        longest = max(paths, key=lambda p: p.stat().st_size)
        app.summaries.run(app.summaries.from_file(longest), Options(mode="key-points"))
    finally:
        app.close()
    return [(kind, m, p) for kind, m, p in kept if p.max_tokens > 1 or kind == "answer"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", choices=list(quality.MODELS))
    args = parser.parse_args()
    quality.CACHE.mkdir(parents=True, exist_ok=True)
    bench_model = quality.MODELS[args.model]
    model = quality.real_model(bench_model) if bench_model else None
    prompts = record(args.questions)
    from hushdesk.engine.local import LocalEngine
    from hushdesk.models import bundled

    path = str(model or bundled.STARTER_CHAT.locate())
    totals: dict[tuple[str, bool], list[float]] = {}
    same, confirmed, drafted = [], 0, 0
    with LocalEngine() as engine:
        engine.load(LoadSpec(path, n_ctx=4096))
        other = [Message("system", "Z"), Message("user", "x")]  # shares no prefix with ours
        for kind, messages, params in prompts:
            texts = []
            for lookup in (False, True):
                engine.chat(other, SamplingParams(max_tokens=1)).collect()  # empty the cache
                asked = replace(params, max_tokens=MAX_TOKENS, lookup=lookup)
                result = engine.chat(messages, asked).collect()
                tokens_and_time = totals.setdefault((kind, lookup), [0.0, 0.0])
                tokens_and_time[0] += result.stats.completion_tokens
                tokens_and_time[1] += result.stats.decode_s
                texts.append(result.text)
                if lookup:
                    confirmed += result.stats.confirmed_tokens
                    drafted += result.stats.drafted_tokens
            same.append(texts[0] == texts[1])

    def rate(kind: str | None, lookup: bool) -> float:
        """Tokens per second of one kind of prompt, or of all (``kind`` None)."""
        picked = [v for (k, on), v in totals.items() if on == lookup and kind in (None, k)]
        tokens, seconds = sum(v[0] for v in picked), sum(v[1] for v in picked)
        return tokens / seconds if seconds else 0.0

    name = args.model
    print(f"prompts: {len(prompts)} ({', '.join(sorted({k for k, _, _ in prompts}))}), {name}")
    for kind in sorted({k for k, _, _ in prompts}):
        label = kind.replace(" ", "_")
        plain, with_drafts = rate(kind, False), rate(kind, True)
        print(f"lookup_{label}_tokens_per_s: {with_drafts:.1f} tok/s (without drafts {plain:.1f})")
        print(f"lookup_{label}_speedup: {with_drafts / plain:.2f} x ({name})")
    overall = rate(None, True) / rate(None, False)
    print(f"lookup_confirmed_share: {confirmed / max(drafted, 1):.2f} (of the drafted tokens)")
    print(f"lookup_output_identical: {int(all(same))} ({sum(same)} of {len(same)}; target >= 1)")
    print(f"lookup_decode_speedup: {overall:.2f} x ({name}; target >= {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
