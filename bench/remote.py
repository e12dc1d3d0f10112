"""A model on a server, through Hushdesk's remote engine against the same server's raw
stream: streamed speed and time to the first word.

    .venv/bin/python bench/remote.py

One run starts llama-cpp-python's own OpenAI-compatible server (``llama_cpp.server``, the
``[server]`` extra) on 127.0.0.1 with the bundled starter model. Runs alternate between
a bare HTTP client reading the server's stream and ``RemoteEngine.chat`` (what every
Hushdesk command and the window use for ``NAME/MODEL``), with the same request body
(the engine's own), greedy, and the medians count: pieces of text per second between
the first and the last, and the time from sending the question to the first piece.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package

import httpx
from tests.servers import free_port, llama_server, serving

from hushdesk import privacy
from hushdesk.engine.remote import RemoteEngine
from hushdesk.engine.server import Endpoint, Remote
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.models import bundled

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle."
MAX_TOKENS = 200
RUNS = 5
TOKEN = "bench-remote-token"
SAMPLING = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=1)


def timed(pieces: Iterator[object], started: float) -> tuple[float, float]:
    """(seconds to the first piece, pieces/s after it)."""
    first = last = 0.0
    count = 0
    for _ in pieces:
        last = time.perf_counter()
        first = first or last
        count += 1
    return first - started, (count - 1) / (last - first)


def raw(client: httpx.Client, engine: RemoteEngine, url: str) -> tuple[float, float]:
    """The server's stream read by a bare client, on a kept-open connection."""
    body = engine._body([Message("user", PROMPT)], SAMPLING)
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def pieces() -> Iterator[str]:
        with client.stream("POST", f"{url}/chat/completions", json=body, headers=auth) as reply:
            for line in reply.iter_lines():
                if line.startswith("data: {"):
                    for choice in json.loads(line[6:]).get("choices") or []:
                        if (choice.get("delta") or {}).get("content"):
                            yield choice["delta"]["content"]

    return timed(pieces(), time.perf_counter())


def through_engine(engine: RemoteEngine) -> tuple[float, float]:
    started = time.perf_counter()
    return timed(iter(engine.chat([Message("user", PROMPT)], SAMPLING)), started)


def main() -> int:
    model = bundled.STARTER_CHAT.locate()
    if model is None:
        raise SystemExit(bundled.MISSING_CHAT_MODEL)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = Path(tempfile.mkdtemp(prefix="hushdesk-bench-remote-")) / "server.log"
    with serving(llama_server(str(model), port, api_key=TOKEN), f"{url}/models", log=log):
        remote = Remote(Endpoint("bench", url, token=TOKEN))
        engine = RemoteEngine(remote, "smollm")
        with privacy.reach("127.0.0.1", port), httpx.Client(timeout=300) as client:
            raw(client, engine, url)  # both warm
            through_engine(engine)
            bare, ours = [], []
            for _ in range(RUNS):
                bare.append(raw(client, engine, url))
                ours.append(through_engine(engine))
        engine.close()
        remote.close()
    ttft_raw = statistics.median(t for t, _ in bare)
    ttft_ours = statistics.median(t for t, _ in ours)
    rate_raw = statistics.median(r for _, r in bare)
    rate_ours = statistics.median(r for _, r in ours)
    spread = max(r for _, r in ours) - min(r for _, r in ours)
    print(f"runs: {RUNS} (alternating), up to {MAX_TOKENS} tokens, greedy, llama_cpp.server")
    print(f"remote_raw_tokens_per_s: {rate_raw:.1f} tokens/s")
    print(f"remote_engine_tokens_per_s: {rate_ours:.1f} tokens/s (spread {spread:.1f})")
    print(f"remote_raw_ttft_ms: {ttft_raw * 1000:.1f} ms")
    print(f"remote_engine_ttft_ms: {ttft_ours * 1000:.1f} ms")
    print(f"remote_ttft_overhead_ms: {(ttft_ours - ttft_raw) * 1000:.1f} ms (reported)")
    print(f"remote_stream_ratio: {rate_ours / rate_raw:.3f} (target >= 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
