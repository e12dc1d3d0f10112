"""Summarizing a 100-page PDF vs the prefill-bound limit: how much more than reading the
document through the model once the whole map-reduce job costs.

    .venv/bin/python bench/summarize.py

The limit is the document's tokens ÷ the model's prompt-processing rate, measured here on
prompts the size of the summarizer's sections, three before the job and three after it
(the median of the six: a machine whose speed drifts during the job moves both sides).
The job runs on the bundled starter model with the app's settings (context 4096), in
medium length, key points, from a cold start (no steps kept from an earlier run).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.keys import use_passphrase_file  # noqa: E402

os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
use_passphrase_file()  # a fresh data folder, created encrypted

from tests.documents import case_file  # noqa: E402

from hushdesk.app import App  # noqa: E402
from hushdesk.assistant.summarize import MemorySteps, Options, Summarizer  # noqa: E402
from hushdesk.assistant.summarize.sources import from_file as source_from_file  # noqa: E402
from hushdesk.assistant.summarize.summarizer import MAX_SECTION_TOKENS  # noqa: E402
from hushdesk.engine.types import Message, SamplingParams  # noqa: E402
from hushdesk.services.runtime import ModelRuntime  # noqa: E402

PAGES = 100
TARGET = 1.5


def prefill_rates(runtime: ModelRuntime, text: str) -> list[float]:
    """Prompt tokens per second on three section-sized prompts (one token generated)."""
    engine = runtime.engine
    words = text.split()
    rates = []
    for start in range(3):
        chunk = " ".join(words[start * 1500 : (start + 1) * 1500])
        messages = [Message("system", "Summarize."), Message("user", chunk)]
        stats = engine.chat(messages, SamplingParams(max_tokens=1)).collect().stats
        rates.append(stats.prompt_eval_tokens / stats.prefill_s)
    return rates


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-doc-"))
    document = case_file(folder / "case.pdf", PAGES, per_page=30)
    started = time.perf_counter()
    source = source_from_file(document)
    read_s = time.perf_counter() - started
    app = App()
    runtime = app.runtime
    try:
        model = runtime.chat_model()
        runtime.ensure_loaded(model)
        text = "\n\n".join(p.text for p in source.pages)
        rates = prefill_rates(runtime, text)
        summarizer = Summarizer(runtime.engine, MemorySteps(), model_key=model.id)
        started = time.perf_counter()
        summary = summarizer.run(source, Options(mode="key-points"))
        total_s = time.perf_counter() - started
        rates += prefill_rates(runtime, text)
        rate = statistics.median(rates)
    finally:
        app.close()
    stats = summary.stats
    bound_s = stats.tokens / rate
    print(f"document_pages: {stats.pages} pages")
    print(f"document_tokens: {stats.tokens} tokens")
    print(f"read_pdf: {read_s:.1f} s")
    spread = f"{min(rates):.0f}–{max(rates):.0f}"
    print(f"prefill_rate: {rate:.0f} tokens/s (median of 6 prompts of ~{MAX_SECTION_TOKENS} "
          f"tokens, 3 before the job and 3 after; spread {spread})")  # fmt: skip
    print(f"sections: {stats.sections} parts, {stats.model_calls} model calls")
    print(f"generated: {stats.completion_tokens} tokens in {stats.decode_s:.1f} s")
    print(f"prefill_bound: {bound_s:.1f} s")
    print(f"summarize_total: {total_s:.1f} s")
    ratio = total_s / bound_s
    print(f"summarize_vs_prefill_ratio: {ratio:.2f} (target <= {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
