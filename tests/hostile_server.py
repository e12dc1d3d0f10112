"""A hostile OpenAI-compatible server for the tests, on 127.0.0.1: what a firm's
misbehaving server, or an attacker posing as one, may send back. The first part of the
path picks the behaviour, so one process serves every test (``/endless/v1`` …):

- ``endless``: an answer that never ends (one word an event, no ``[DONE]``), ignoring
  ``max_tokens``;
- ``chunky``: one event holding a whole book;
- ``flood``: events padded with junk, so bytes pile up long before tokens do;
- ``slow``: an answer that trickles in, a byte at a time;
- ``noline``: one line that never ends;
- ``wrongtype``/``notalist``: fields of the wrong type;
- ``hugelist``: a model list of hundreds of megabytes;
- ``escape``: errors whose text retitles and clears a terminal;
- ``hugeerror``: an error body of hundreds of megabytes;
- ``gzipbomb``: a model list and an answer of a few KB, sent gzip-compressed twice
  (``Content-Encoding: gzip, gzip``) though asked for none: 1 GB once inflated.

Every loop is bounded (``LIMIT_S``, a count of bytes) and ends when the client leaves.

    python -m tests.hostile_server --port N
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIMIT_S = 120.0  # no answer lasts longer, whatever the client does
HUGE = 400 * 1024 * 1024
ESCAPES = "\x1b]0;pwned by the server\x07\x1b[2J\x1b[31m"
MODEL = "hostile"


@functools.cache
def bomb() -> bytes:
    """1 GB of spaces, gzipped twice: ~2 KB."""
    once = gzip.compress(b" " * (1 << 30), compresslevel=9, mtime=0)
    return gzip.compress(once, compresslevel=9, mtime=0)


def chunk(content: object, **extra: object) -> bytes:
    event = {
        "id": "x",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
        **extra,
    }
    return b"data: " + json.dumps(event).encode() + b"\n\n"


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        mode, _, rest = self.path.strip("/").partition("/")
        if rest != "v1/models":
            self._send(404, b'{"error": "not found"}')
        elif mode == "hugelist":
            entry = json.dumps({"id": "m" * 200, "object": "model"}).encode()
            self._head(200, "application/json")
            self._pour(b'{"data": [' + entry, b"," + entry, HUGE)
        elif mode == "escape":
            error = {"error": {"message": f"{ESCAPES}model list broken"}}
            self._send(500, json.dumps(error).encode())
        elif mode == "hugeerror":
            self._head(500, "text/plain")
            self._pour(b"", b"x" * 65536, HUGE)
        elif mode == "gzipbomb":
            self._bomb("application/json")
        else:
            models = {"data": [{"id": MODEL, "object": "model", "context_length": 4096}]}
            self._send(200, json.dumps(models).encode())

    def do_POST(self) -> None:
        mode = self.path.strip("/").partition("/")[0]
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if mode == "escape":
            error = {"error": {"message": f"{ESCAPES}overloaded"}}
            self._send(503, json.dumps(error).encode())
            return
        if mode == "hugeerror":
            self._head(500, "text/plain")
            self._pour(b"", b"x" * 65536, HUGE)
            return
        if mode == "gzipbomb":
            self._bomb("text/event-stream")
            return
        self._head(200, "text/event-stream")
        if mode == "endless":
            self._pour(b"", chunk(" word"), HUGE)
        elif mode == "chunky":
            self._pour(chunk("word " * 200_000), b"", 0)
        elif mode == "flood":
            self._pour(b"", chunk(" word", padding="x" * 60_000), HUGE)
        elif mode == "slow":
            self._trickle(chunk(" word") * 10_000)
        elif mode == "noline":
            self._pour(b"data: ", b"x" * 65536, HUGE)
        elif mode == "wrongtype":
            self._pour(chunk(" fine") + chunk(["not", "text"]), b"", 0)
        elif mode == "notalist":
            self._pour(b'data: {"choices": "abc"}\n\n', b"", 0)
        else:
            self._pour(chunk(" fine") + b"data: [DONE]\n\n", b"", 0)

    def _head(self, status: int, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.end_headers()

    def _bomb(self, kind: str) -> None:
        body = bomb()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip, gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _pour(self, first: bytes, again: bytes, total: int) -> None:
        """``first``, then ``again`` until ``total`` bytes or ``LIMIT_S`` (or the client
        leaves)."""
        ends = time.monotonic() + LIMIT_S
        sent = 0
        try:
            self.wfile.write(first)
            while again and sent < total and time.monotonic() < ends:
                self.wfile.write(again)
                sent += len(again)
        except OSError:
            pass  # the client left: what the tests want

    def _trickle(self, body: bytes) -> None:
        ends = time.monotonic() + LIMIT_S
        try:
            for byte in body:
                if time.monotonic() > ends:
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Hostile)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
