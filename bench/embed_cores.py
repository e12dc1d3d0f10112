"""How the OpenVINO embedder should use 2 to 16 cores: threads, parallel requests
(streams) and batch size, measured on real passages.

    .venv/bin/python bench/embed_cores.py                  # this computer's cores

    # for a machine of more cores without network, model or OpenVINO (docs/GPU.md):
    pip download --no-deps --only-binary=:all: --python-version 3.12 \
        --platform manylinux_2_28_x86_64 -d /tmp/wheel openvino==<the installed version>
    .venv/bin/python bench/embed_cores.py pack .ovcpu --wheel /tmp/wheel/openvino-*.whl
    python3 bench/embed_cores.py --pack .ovcpu --cores 16,8,4,2       # there

For each core count the measuring child is pinned to that many cores (its affinity), then
embeds the quality set's real passages (bench/sets/licences.toml, chunked as the app chunks
them) under every candidate plan, the median of three rounds, in calls of the size
indexing makes (``EMBED_BATCH``). It prints each plan's passages/s, the best, and what
``openvino_embedder.run_plan`` picks for that many cores: ``plan_vs_best`` is the share
of the best that the app's choice reaches. The prepared int8 model is the app's own
(the embedding cache); ``pack`` copies it with the passages and the OpenVINO libraries
that the CPU needs, for a machine that has neither network nor model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))

from measure import median, spread

ROUNDS = 3
REPEAT = 3  # the passages, this many times a round (a round of 162 was too short)
BATCHES = (8, 16, 32)


def candidates(cores: int) -> list[tuple[int, int, int]]:
    """(threads, streams, batch): stream counts that divide the cores, up to 8 (16 one-
    core streams and batches of 64 were the slowest of all in a first run)."""
    streams = [s for s in (1, 2, 4, 8) if s <= cores and cores % s == 0]
    return [(cores, s, b) for s in streams for b in BATCHES]


def measure_here(pack: Path, cores: int) -> dict:
    """In the pinned child: passages/s for every candidate and for the app's plan."""
    from hushdesk.library.openvino_embedder import OpenVINOEmbedder, RunPlan, run_plan

    packed = json.loads((pack / "passages.json").read_text(encoding="utf-8"))
    passages, call = packed["passages"] * REPEAT, packed["call"]
    plans = [RunPlan(t, s, b) for t, s, b in candidates(cores)]
    chosen = run_plan(cores)
    if chosen not in plans:
        plans.append(chosen)
    rates: dict[str, list[float]] = {}
    for plan in plans:
        embedder = OpenVINOEmbedder("", "bench", fallback=_no_fallback, plan=plan)
        embedder.use_prepared(pack / "model")
        embedder.embed(passages[:call])  # compiled and warm
        runs = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for i in range(0, len(passages), call):
                embedder.embed(passages[i : i + call])
            runs.append(len(passages) / (time.perf_counter() - started))
        rates[_name(plan)] = runs
    return {"cores": cores, "passages": len(passages), "rates": rates, "chosen": _name(chosen)}


def _no_fallback():
    raise RuntimeError("the packed model did not open")


def _name(plan) -> str:
    return f"threads={plan.threads} streams={plan.streams} batch={plan.batch}"


def pack(target: Path, wheel: Path | None, libraries: bool = True) -> None:
    """Here: the prepared model, the passages and (``libraries``) OpenVINO's CPU
    libraries into target."""
    import openvino

    import quality
    from hushdesk import paths, privacy
    from hushdesk.library.chunker import chunk_pages
    from hushdesk.library.ingest import EMBED_BATCH
    from hushdesk.library.loaders import load_here
    from hushdesk.library.openvino_embedder import OpenVINOEmbedder
    from hushdesk.models.bundled import STARTER_EMBEDDING

    privacy.apply()
    os.environ.setdefault(paths.EMBEDDING_CACHE_ENV, str(quality.CACHE / "embedding"))
    target.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-cores-"))
    passages = [
        c.text
        for document in quality.documents(folder, quality.SETS["licences"])
        for c in chunk_pages(load_here(str(document), None, False).pages)
    ]
    packed = {"passages": passages, "call": EMBED_BATCH}
    (target / "passages.json").write_text(json.dumps(packed), encoding="utf-8")
    model = STARTER_EMBEDDING.locate()
    assert model is not None, "the bundled embedding model is not installed"
    prepared = OpenVINOEmbedder(str(model), "bench", fallback=_no_fallback).prepared_folder()
    shutil.copytree(prepared, target / "model", dirs_exist_ok=True)
    if not libraries:
        return
    # OpenVINO without the GPU and NPU plugins and the other frameworks' readers, from
    # this Python's installation or a wheel for the other machine's Python; xz-packed.
    site = Path(tempfile.mkdtemp(prefix="hushdesk-bench-site-"))
    if wheel is None:
        shutil.copytree(Path(openvino.__file__).parent, site / "openvino")
    else:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site, [n for n in archive.namelist() if n.startswith("openvino/")])
    import platformdirs  # the one pure-Python library a bare machine lacks

    shutil.copytree(Path(platformdirs.__file__).parent, site / "platformdirs")
    keep = ("libopenvino.so", "libopenvino_intel_cpu_plugin", "libopenvino_ir_frontend")
    keep += ("libtbb", "libhwloc")
    with tarfile.open(target / "site.tar.xz", "w:xz") as archive:
        for path in sorted(site.rglob("*")):
            wanted = path.parent.name != "libs" or path.name.startswith(keep)
            if path.is_file() and wanted and "__pycache__" not in path.parts:
                archive.add(path, str(path.relative_to(site)))
    shutil.rmtree(site)
    print(f"packed {len(passages)} passages, the model and OpenVINO into {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="measure", choices=("measure", "pack"))
    parser.add_argument("folder", nargs="?", type=Path, help="pack: where to put it")
    parser.add_argument("--pack", type=Path, help="measure from a packed folder")
    parser.add_argument("--wheel", type=Path, help="pack: OpenVINO's wheel for another Python")
    parser.add_argument("--cores", default="", help="core counts to pin to, e.g. 2,4,8,16")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.command == "pack":
        pack(args.folder or Path(".ovcpu"), args.wheel)
        return 0
    if args.child:
        print(json.dumps(measure_here(args.pack, args.child)))
        return 0
    source = args.pack
    if source is None:
        source = Path(tempfile.mkdtemp(prefix="hushdesk-bench-cores-"))
        pack(source, None, libraries=False)  # this Python's own OpenVINO
    if (source / "site.tar.xz").is_file() and not (source / "site").is_dir():
        with tarfile.open(source / "site.tar.xz") as archive:
            archive.extractall(source / "site", filter="data")
    allowed = sorted(os.sched_getaffinity(0))
    counts = [int(c) for c in args.cores.split(",") if c] or [len(allowed)]
    worst = 1.0
    for cores in [c for c in counts if c <= len(allowed)]:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(source / "site"), *sys.path]))
        done = subprocess.run(
            [sys.executable, __file__, "--pack", str(source), "--child", str(cores)],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            preexec_fn=lambda c=cores: os.sched_setaffinity(0, allowed[:c]),
        )
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rates = {name: median(runs) for name, runs in result["rates"].items()}
        for name, runs in result["rates"].items():
            print(f"  {cores} cores {name}: {median(runs):.0f} passages/s ({spread(runs, 0)})")
        best = max(rates, key=rates.__getitem__)
        share = rates[result["chosen"]] / rates[best]
        worst = min(worst, share)
        print(f"best_{cores}_cores: {rates[best]:.0f} passages/s ({best})")
        print(f"plan_{cores}_cores: {rates[result['chosen']]:.0f} passages/s ({result['chosen']})")
        print(f"plan_vs_best_{cores}_cores: {share:.2f} (target >= 0.95)")
    print(f"embed_plan_vs_best: {worst:.2f} (target >= 0.95; the worst core count)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
