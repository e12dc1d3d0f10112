"""A stand-in for the Hugging Face hub on 127.0.0.1, for download tests and benches.

Speaks the part of the hub's protocol Hushdesk uses: ``HEAD /<repo>/resolve/<rev>/<file>``
answers with X-Linked-Size / X-Linked-Etag (sha256) / X-Repo-Commit and a redirect to a
"CDN" (``localhost`` rather than ``127.0.0.1``, as the real CDN is another host);
``GET`` follows it and honours ``Range``. Small files are served directly with their
git blob id as ETag. Faults on demand: drop the connection after N bytes, advertise
a wrong checksum, answer slowly, 401 for gated repos, 404 for the rest.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class HubFile:
    path: Path
    lfs: bool = True
    sha256: str = ""
    git_sha1: str = ""

    def __post_init__(self) -> None:
        data_hash = hashlib.sha256()
        size = self.path.stat().st_size
        git = hashlib.sha1(f"blob {size}\0".encode())
        with self.path.open("rb") as handle:
            while block := handle.read(1 << 22):
                data_hash.update(block)
                git.update(block)
        self.sha256 = self.sha256 or data_hash.hexdigest()
        self.git_sha1 = git.hexdigest()


@dataclass
class Hub:
    files: dict[str, HubFile] = field(default_factory=dict)  # "repo/filename" → file
    drop_after: int | None = None  # bytes of the next body before the connection drops
    delay_per_mb: float = 0.0  # seconds; makes downloads slow enough to interrupt
    wrong_checksum: bool = False
    no_checksum: bool = False  # a mirror that publishes neither X-Linked-Etag nor an ETag
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, Range
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, repo: str, filename: str, path: Path, *, lfs: bool = True) -> HubFile:
        entry = HubFile(path, lfs=lfs)
        self.files[f"{repo}/{filename}"] = entry
        return entry


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def _serve(self, *, body: bool) -> None:
            hub.requests.append((self.command, self.path, self.headers.get("Range", "")))
            cdn = re.fullmatch(r"/cdn/(.+)", self.path)
            if cdn:
                entry = hub.files.get(cdn.group(1))
                if entry is None:
                    return self._status(404)
                return self._content(entry, body)
            match = re.fullmatch(r"/(.+?/.+?)/resolve/([^/]+)/(.+)", self.path)
            if not match:
                return self._status(404)
            repo, filename = match.group(1), match.group(3)
            if repo.startswith("gated/"):
                return self._status(401)
            entry = hub.files.get(f"{repo}/{filename}")
            if entry is None:
                return self._status(404)
            if not entry.lfs:
                return self._content(entry, body, etag=entry.git_sha1)
            sha = "0" * 64 if hub.wrong_checksum else entry.sha256
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{hub.port}/cdn/{repo}/{filename}")
            self.send_header("X-Linked-Size", str(entry.path.stat().st_size))
            if not hub.no_checksum:
                self.send_header("X-Linked-Etag", f'"{sha}"')
                self.send_header("ETag", '"deadbeef"')
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        def _status(self, code: int) -> None:
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _content(self, entry: HubFile, body: bool, etag: str | None = None) -> None:
            size = entry.path.stat().st_size
            start = 0
            ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            if ranged:
                start = int(ranged.group(1))
                if start >= size:
                    return self._status(416)
            self.send_response(206 if ranged else 200)
            self.send_header("Content-Length", str(size - start))
            if ranged:
                self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
            if etag:
                self.send_header("ETag", f'"{etag}"')
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if not body:
                return None
            budget = hub.drop_after
            hub.drop_after = None  # one fault per request
            with entry.path.open("rb") as handle:
                if budget is None and not hub.delay_per_mb:
                    self.wfile.flush()  # headers out, then the kernel copies the file: a
                    self.connection.sendfile(handle, start)  # CDN costs this machine nothing
                    return None
                handle.seek(start)
                sent = 0
                while block := handle.read(1 << 20):
                    if budget is not None and sent + len(block) > budget:
                        self.wfile.write(block[: budget - sent])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return None
                    self.wfile.write(block)
                    sent += len(block)
                    if hub.delay_per_mb:
                        time.sleep(hub.delay_per_mb * len(block) / 2**20)
            return None

    return Handler


@contextmanager
def serve(hub: Hub) -> Iterator[Hub]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    server.daemon_threads = True
    hub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """``python -m tests.hub PORT REPO/FILE=PATH …``: a hub in its own process (bench)."""
    import sys

    hub = Hub()
    for spec in sys.argv[2:]:
        name, path = spec.split("=", 1)
        repo, filename = name.rsplit("/", 1)
        hub.add(repo, filename, Path(path))
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _handler(hub))
    hub.port = server.server_address[1]
    print(hub.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
