"""Download throughput of the app vs a raw transfer of the same file, same local server.

    .venv/bin/python bench/download.py

A stand-in hub runs in its own process on 127.0.0.1 serving a 1 GiB file. "raw" is a
plain streaming GET written to disk; "app" is Hushdesk's path: resolve, transfer with
Range support, sha256 while writing, fsync, verify, atomic rename. Alternating runs;
the ratio compares the best run of each. On small VMs the page cache's write speed
flips at random between runs (fresh guest memory costs a host fault per page), which
halves either path's throughput now and then; the best run shows what each path can
do, and the medians are printed too.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()
os.environ.setdefault("HUSHDESK_HOME", tempfile.mkdtemp(prefix="hushdesk-bench-"))

import httpx  # noqa: E402

from hushdesk.models import download, hub  # noqa: E402

REPO, NAME = "bench/model", "big.gguf"
SIZE = 1024 * 2**20
RUNS = 7


def make_file(folder: Path) -> Path:
    path = folder / NAME
    block = os.urandom(2**20)
    with path.open("wb") as out:
        for _ in range(SIZE // len(block)):
            out.write(block)
    return path


def raw(url: str, target: Path) -> float:
    started = time.perf_counter()
    with (
        privacy.allow_network(),
        httpx.Client(trust_env=False) as client,
        client.stream("GET", url, follow_redirects=True) as response,
        target.open("wb") as out,
    ):
        for chunk in response.iter_raw(download.CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return SIZE / elapsed


def app(target_dir: Path) -> float:
    started = time.perf_counter()
    remote = hub.resolve(REPO, NAME)
    job = download.DownloadJob("bench", "bench", "llm", REPO, "main", str(target_dir), [remote])
    (path,) = download.run(job)
    elapsed = time.perf_counter() - started
    path.unlink()
    return SIZE / elapsed


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hushdesk-hub-") as folder:
        source = make_file(Path(folder))
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.hub", "0", f"{REPO}/{NAME}={source}"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            os.environ["HUSHDESK_HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
            url = f"http://127.0.0.1:{port}/{REPO}/resolve/main/{NAME}"
            out = Path(folder) / "out"
            out.mkdir()
            raws, apps = [], []
            for _ in range(RUNS):
                raws.append(raw(url, out / "raw.bin"))
                apps.append(app(out))
        finally:
            server.terminate()
            server.wait(5)
    raw_mb, app_mb = max(raws) / 1e6, max(apps) / 1e6
    print(f"file_mb: {SIZE / 1e6:.0f} MB")
    print(f"runs: {RUNS} of each, alternating")
    print(f"raw_median: {statistics.median(raws) / 1e6:.0f} MB/s")
    print(f"app_median: {statistics.median(apps) / 1e6:.0f} MB/s (sha256 verified)")
    print(f"raw_throughput: {raw_mb:.0f} MB/s (best run)")
    print(f"app_throughput: {app_mb:.0f} MB/s (best run, sha256 verified)")
    print(f"download_ratio: {app_mb / raw_mb:.2f} (target >= 0.9)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
