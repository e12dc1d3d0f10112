"""The local API against the app's own path: streamed speed, time to the first word,
and eight clients at once.

    .venv/bin/python bench/api.py

One run starts ``hushdesk serve`` (its own process and model, on the bundled starter
model) and, in this process, the same services the API calls (``Conversations.answer``).
Runs alternate between the two with the same prompt, greedy sampling and token limit, and
the medians count: tokens/s between the first and the last piece of text, and the time
from sending the question to its first piece. Then eight clients ask at once; all must
finish, and the server's own queue waits (``X-Hushdesk-Queue-Wait-Ms``) are reported.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hushdesk import privacy

privacy.apply()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
from tests.keys import use_passphrase_file  # noqa: E402

os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
use_passphrase_file()

import httpx  # noqa: E402

from hushdesk.app import App  # noqa: E402
from hushdesk.services.conversations import ChatSetup  # noqa: E402

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle."
MAX_TOKENS = 200
RUNS = 5
CLIENTS = 8
SAMPLING = {"temperature": 0.0, "max_tokens": MAX_TOKENS, "seed": 1}


def in_process(app: App) -> tuple[float, float]:
    """(seconds to the first piece, tokens/s after it) through the services."""
    started = time.perf_counter()
    stream = app.conversations.answer([("user", PROMPT)], ChatSetup(sampling=SAMPLING))
    first = last = 0.0
    for i, _ in enumerate(stream):
        last = time.perf_counter()
        if i == 0:
            first = last
    tokens = stream.result.stats.completion_tokens
    return first - started, (tokens - 1) / (last - first)


def through_api(client: httpx.Client, base: str, auth: dict[str, str]) -> tuple[float, float]:
    """The same through the API, on a kept-open connection (as a client keeps one)."""
    body = {
        "model": "default",
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
        **SAMPLING,
    }
    started = time.perf_counter()
    first = last = 0.0
    tokens = 0
    with client.stream("POST", f"{base}/v1/chat/completions", json=body, headers=auth) as response:
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            event = json.loads(line[6:])
            if event.get("usage"):
                tokens = event["usage"]["completion_tokens"]
            elif event["choices"] and event["choices"][0]["delta"].get("content"):
                last = time.perf_counter()
                first = first or last
    return first - started, (tokens - 1) / (last - first)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, port: int) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    token_file = folder / "token"
    server = subprocess.Popen(
        [sys.executable, "-m", "hushdesk", "serve", "--port", str(port),
         "--token-file", str(token_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"{base}/v1/models", timeout=1)
            break
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start: {server.stderr}") from None
            time.sleep(0.2)
    auth = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
    return server, base, auth


def main() -> int:
    port = free_port()
    with privacy.local_service(port):  # this process may talk to the server it starts
        return measure(Path(tempfile.mkdtemp(prefix="hushdesk-bench-api-")), port)


def measure(folder: Path, port: int) -> int:
    server, base, auth = start_server(folder, port)
    app = App()
    try:
        with httpx.Client(timeout=300) as client:
            in_process(app)  # both warm: the model loaded, the prompt path compiled
            through_api(client, base, auth)
            local, remote = [], []
            for _ in range(RUNS):
                local.append(in_process(app))
                remote.append(through_api(client, base, auth))
        app.close()

        short = {"model": "default", "max_tokens": 16, "temperature": 0.0,
                 "messages": [{"role": "user", "content": "Name three colours."}]}  # fmt: skip

        def ask(_n: int) -> tuple[int, float]:
            reply = httpx.post(f"{base}/v1/chat/completions", json=short, headers=auth, timeout=600)
            return reply.status_code, float(reply.headers.get("x-hushdesk-queue-wait-ms", "nan"))

        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(ask, range(CLIENTS)))
    finally:
        server.terminate()
        server.communicate(timeout=30)
    ttft_local = statistics.median(t for t, _ in local)
    ttft_api = statistics.median(t for t, _ in remote)
    rate_local = statistics.median(r for _, r in local)
    rate_api = statistics.median(r for _, r in remote)
    waits = sorted(w for _, w in answers)
    completed = sum(1 for code, _ in answers if code == 200)
    print(f"runs: {RUNS} (alternating), {MAX_TOKENS} tokens, greedy")
    print(f"in_process_tokens_per_s: {rate_local:.1f} tokens/s")
    print(f"api_tokens_per_s: {rate_api:.1f} tokens/s")
    print(f"in_process_ttft_ms: {ttft_local * 1000:.0f} ms")
    print(f"api_ttft_ms: {ttft_api * 1000:.0f} ms")
    print(f"api_concurrent_completed: {completed}/{CLIENTS} (target {CLIENTS}/{CLIENTS})")
    print(f"api_queue_wait_p95_ms: {waits[int(0.95 * (len(waits) - 1))]:.0f} ms")
    print(f"api_ttft_overhead_ms: {(ttft_api - ttft_local) * 1000:.1f} ms (target <= 30)")
    print(f"api_stream_ratio: {rate_api / rate_local:.3f} (target >= 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
