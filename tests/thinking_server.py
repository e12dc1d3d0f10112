"""A reasoning model's OpenAI-compatible server for the tests, on 127.0.0.1: it thinks
before it answers, the two ways servers send it —

- model ``tagged``: ``<think>…</think>`` in the content, the tags cut across events
  (as a server that passes a Qwen3 or DeepSeek-R1 stream through untouched);
- model ``fielded``: ``reasoning_content`` deltas, then the content (llama-server,
  DeepSeek's API); ``stream: false`` gets one message with both fields.

Every request's body is appended to ``--log`` (one JSON object a line), so a test can
see what the app sent back to the model.

    python -m tests.thinking_server --port N --log FILE
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

THOUGHT = "The user asks for six times seven. Six sevens are forty-two."
ANSWER = "The answer is 42."
MODELS = ("tagged", "fielded")


def _event(delta: dict[str, str], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return (
        b"data: "
        + json.dumps({"object": "chat.completion.chunk", "choices": [choice]}).encode()
        + b"\n\n"
    )


def _tagged() -> list[bytes]:
    raw = f"<think>\n{THOUGHT}\n</think>\n\n{ANSWER}"
    return [_event({"content": raw[i : i + 5]}) for i in range(0, len(raw), 5)]


def _fielded() -> list[bytes]:
    words = THOUGHT.split(" ")
    thoughts = [_event({"reasoning_content": w + " "}) for w in words]
    return [*thoughts, *(_event({"content": w + " "}) for w in ANSWER.split(" "))]


class Thinking(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    log_to: Path

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        models = {"data": [{"id": m, "object": "model", "context_length": 4096} for m in MODELS]}
        self._send(200, "application/json", json.dumps(models).encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        with self.log_to.open("a", encoding="utf-8") as log:
            log.write(json.dumps(body) + "\n")
        if not body.get("stream"):
            message = {"role": "assistant", "content": ANSWER, "reasoning_content": THOUGHT}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            self._send(200, "application/json", json.dumps({"choices": [choice]}).encode())
            return
        events = _tagged() if body.get("model") == "tagged" else _fielded()
        self._send(
            200, "text/event-stream", b"".join([*events, _event({}, "stop"), b"data: [DONE]\n\n"])
        )

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    Thinking.log_to = args.log
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Thinking)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
