"""``make bench``: the CPU benchmarks one after another, with the same thread settings,
each judged for noise, and one table of this machine's figures: docs/benchmarks.md.

    .venv/bin/python bench/all.py [--only startup,retrieve] [--out docs/benchmarks.md]

Each benchmark runs in its own process and prints ``name: value unit (target …)`` lines;
they are collected as printed. bench/quality.py (about 40 minutes and a model download)
and bench/gpu.py (an NVIDIA GPU, docs/GPU.md) are run on their own.

Noise: before and after each benchmark the same fixed piece of CPU work is timed five
times (the fastest of each five counts), and the share of the CPU that something else
used in the second before it started is read (/proc/stat). The machine's speed moving by
more than 10 % between before and after, or more than a quarter of the CPU busy before
it, marks that benchmark's figures as taken on a noisy machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCHES = [
    "startup", "ui_latency", "decode", "api", "remote", "grounded", "ingest", "embed_cores",
    "retrieve", "summarize", "crypto", "download", "window", "matters", "voice", "lookup",
]  # fmt: skip
TIMEOUT_S = 1200
NOISY_DRIFT = 0.10
NOISY_BUSY = 0.25
LINE = re.compile(r"^([a-z][a-z0-9_.]*): (-?[\d.,]+)(?: ?([^\s(]*))?(?: \((.*)\))?\s*$")
TARGET = re.compile(r"target\s*(>=|<=|≥|≤)\s*(-?[\d.,]+)")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    note: str

    @property
    def met(self) -> bool | None:
        found = TARGET.search(self.note)
        if not found:
            return None
        bound = float(found.group(2).replace(",", ""))
        return self.value >= bound if found.group(1) in (">=", "≥") else self.value <= bound


@dataclass
class Run:
    bench: str
    seconds: float = 0.0
    status: str = "ok"
    figures: list[Figure] = field(default_factory=list)
    drift: float = 0.0  # how much the fixed CPU work's median moved across it
    busy: float = 0.0  # the CPU's busy share in the second before it

    @property
    def noisy(self) -> bool:
        return abs(self.drift) > NOISY_DRIFT or self.busy > NOISY_BUSY


def busy_share(seconds: float = 1.0) -> float:
    """The share of the CPU in use over ``seconds`` (0 where /proc/stat cannot be read)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # all, idle + iowait

    try:
        total_a, idle_a = sample()
        time.sleep(seconds)
        total_b, idle_b = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    return 1 - (idle_b - idle_a) / max(total_b - total_a, 1)


def probe() -> list[float]:
    """Five timings of the same CPU work (about 50 ms each)."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i
        times.append(time.perf_counter() - started)
    return times


def environment() -> dict[str, str]:
    """Threads pinned to the cores for torch and MKL, the same for every benchmark
    (numpy's OpenBLAS is left to the app, which runs it on one thread)."""
    cores = str(os.cpu_count() or 1)
    pinned = {
        "OMP_NUM_THREADS": cores,
        "MKL_NUM_THREADS": cores,
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONHASHSEED": "0",
        "QT_QPA_PLATFORM": "offscreen",
    }
    return {**os.environ, **pinned}


def run(bench: str) -> Run:
    result = Run(bench, busy=busy_share())
    before = probe()
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / f"{bench}.py")],
            cwd=ROOT,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        output, code = done.stdout, done.returncode
        if code != 0:
            result.status = f"failed ({code}): {done.stderr.strip().splitlines()[-1:]}"
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else ""
        result.status = f"stopped after {TIMEOUT_S} s"
    result.seconds = time.perf_counter() - started
    time.sleep(2)  # the benchmark's own child processes finish exiting
    after = probe()
    result.drift = min(after) / min(before) - 1
    for line in output.splitlines():
        found = LINE.match(line.strip())
        if found:
            name, value, unit, note = found.groups()
            result.figures.append(
                Figure(name, float(value.replace(",", "")), unit or "", note or "")
            )
    said = f"{bench}: {len(result.figures)} figures in {result.seconds:.0f} s, {result.status}"
    said += f", busy {result.busy:.0%}, drift {result.drift:+.1%}"
    print(said, file=sys.stderr, flush=True)
    return result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 1024**3:.0f} GiB RAM"
    except ImportError:
        memory = ""
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def table(runs: list[Run]) -> str:
    today = datetime.date.today().isoformat()
    out = [
        "# Benchmarks on this machine",
        "",
        f"`make bench` ({sys.executable.split('/')[-1]} bench/all.py), {today}: {machine()}.",
        "Threads pinned to the cores for torch and MKL. A benchmark is marked *noisy* when",
        f"the same fixed CPU work, timed before and after it, moved by more than {NOISY_DRIFT:.0%}",
        f"or something else used more than {NOISY_BUSY:.0%} of the CPU in the second before",
        "it started: read its figures as rough. bench/quality.py (docs/QUALITY.md) and",
        "bench/gpu.py (docs/GPU.md) are run on their own.",
        "",
        "| bench | figure | value | unit | target / note | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        label = f"{r.bench}{' (noisy)' if r.noisy else ''}"
        if r.status != "ok":
            out.append(f"| {label} | — | — | — | {r.status} | |")
        for f in r.figures:
            met = {True: "yes", False: "**no**", None: ""}[f.met]
            note = f.note.replace("|", "/")
            out.append(f"| {label} | {f.name} | {f.value:g} | {f.unit} | {note} | {met} |")
    total = sum(r.seconds for r in runs)
    out += [
        "",
        "| bench | seconds | CPU busy before | speed drift across |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {r.bench} | {r.seconds:.0f} | {r.busy:.0%} | {r.drift:+.1%} |" for r in runs]
    out += ["", f"{len(runs)} benchmarks in {total / 60:.0f} minutes."]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="some of: " + ",".join(BENCHES))
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    chosen = [b for b in args.only.split(",") if b] or BENCHES
    runs = [run(bench) for bench in chosen]
    Path(args.out).write_text(table(runs), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0 if all(r.status == "ok" for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
