"""Embeddings on OpenVINO: the same sentence-transformers model, prepared once for this
computer's CPU, then run without torch.

Preparing (once per model, in a child process with a timeout): the whole
sentence-transformers pipeline (transformer, pooling, normalization) is converted to
OpenVINO, and where NNCF is installed its weights and activations are stored as 8-bit
integers, their ranges measured on ``resources/embedding/calibration.txt``. The result
and the tokenizer exactly as sentence-transformers sets it up are kept in the embedding
cache (``paths.embedding_cache_dir``), under a key of the model's files and the recipe.

Running: the tokenizer (the ``tokenizers`` library, no transformers), OpenVINO's CPU
plugin with the 16-bit bfloat type where the CPU computes it, length-sorted batches.
``bench/ingest.py`` measures it against torch and holds its retrieval to torch's.

The installers ship the bundled model already prepared (``resources/embedding/prepared``,
made by ``packaging/build.py``), so they need neither torch nor NNCF: ``shipped_key``
names it by what the bundle keeps the same (the model's file names and sizes, the
recipe, the libraries' versions), not by path or time.

Anything that goes wrong (OpenVINO missing, a model it cannot convert, a failed child)
falls back to the torch embedder with one line in the log: indexing never stops for it
(where torch is installed: see ``SentenceEmbedder``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hushdesk import assets, paths
from hushdesk.isolate import run_isolated
from hushdesk.library.embedder import Embedder

log = logging.getLogger("hushdesk.library")

RECIPE = 1  # bump when what ``prepare`` writes changes: older preparations are redone
PREPARE_TIMEOUT_S = 900.0  # converting and measuring takes ~20 s on 2 cores
PREPARE_MEMORY = 6 * 1024**3
# The modules sentence-transformers chains after the transformer that convert as they are.
CONVERTIBLE = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
    "sentence_transformers.models.Dense",
}


def unsupported(model_path: str | Path) -> str | None:
    """Why this model folder cannot run on OpenVINO, or None when it can."""
    folder = Path(model_path)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = {m["type"] for m in modules}
    except (OSError, ValueError, KeyError, TypeError):
        return "not a sentence-transformers folder (modules.json)"
    if not kinds <= CONVERTIBLE:
        return f"modules OpenVINO does not take: {sorted(kinds - CONVERTIBLE)}"
    try:
        import openvino  # noqa: F401
    except ImportError:
        return "OpenVINO is not installed"
    return None


def cache_key(model_path: str | Path, quantize: bool) -> str:
    """The model's files (names, sizes, times), the recipe and the libraries' versions."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"recipe {RECIPE} int8 {quantize}\n".encode())
    for package in ("openvino", "nncf", "sentence-transformers", "tokenizers"):
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    folder = Path(model_path).resolve()
    digest.update(str(folder).encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        info = path.stat()
        digest.update(f"{path.relative_to(folder)} {info.st_size} {info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def shipped_key(model_path: str | Path, quantize: bool, *, leave_out: Sequence[str] = ()) -> str:
    """The name of a preparation made at build time for this model (see the docstring):
    ``leave_out``, the files (relative, POSIX) the installer does not ship with it."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"shipped recipe {RECIPE} int8 {quantize}\n".encode())
    for package in ("openvino", "tokenizers"):
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    folder = Path(model_path).resolve()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in leave_out:
            digest.update(f"{name} {path.stat().st_size}\n".encode())
    return digest.hexdigest()[:32]


def shipped_folder(model_path: str | Path, quantize: bool) -> Path | None:
    """The preparation the installer shipped for this model, if there is one."""
    folder = assets.path("embedding", "prepared", shipped_key(model_path, quantize))
    return folder if (folder / "meta.json").is_file() else None


def calibration_texts() -> list[str]:
    """Single paragraphs and runs of several (so the longest inputs are measured too)."""
    text = assets.read_text("embedding", "calibration.txt")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    paragraphs = [p.strip() for p in "\n".join(lines).split("\n\n") if p.strip()]
    runs = [" ".join(paragraphs[i : i + 4]) for i in range(0, len(paragraphs), 4)]
    return paragraphs + runs


def prepare(model_path: str, out_dir: str, quantize: bool, texts: list[str]) -> dict[str, Any]:
    """Convert (and quantize) the model into ``out_dir``. Runs in a child process: it
    imports torch, sentence-transformers, OpenVINO and NNCF, none of which the app then
    needs to hold in memory."""
    import openvino as ov
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    model.eval()
    tokenizer = model.tokenizer
    names = [
        n
        for n in ("input_ids", "attention_mask", "token_type_ids")
        if n in tokenizer.model_input_names
    ]

    class Pipeline(torch.nn.Module):  # one graph from token ids to the sentence vector
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            vector: torch.Tensor = self.model(dict(zip(names, tensors, strict=True)))[
                "sentence_embedding"
            ]
            return vector

    lower = bool(getattr(model[0], "do_lower_case", False))
    tokenize = getattr(model, "preprocess", None) or model.tokenize  # renamed in 6.x
    dimensions = getattr(model, "get_embedding_dimension", None) or (
        model.get_sentence_embedding_dimension
    )

    def encode(batch: list[str]) -> dict[str, np.ndarray]:
        features = tokenize([t.lower() if lower else t for t in batch])
        return {n: features[n].numpy() for n in names}

    example = encode(texts[:2])
    with torch.no_grad():
        graph = ov.convert_model(
            Pipeline(), example_input=tuple(torch.from_numpy(example[n]) for n in names)
        )
    for port, name in zip(graph.inputs, names, strict=True):  # (shapes stay dynamic)
        port.get_tensor().set_names({name})
    quantized = False
    if quantize:
        try:
            import nncf
        except ImportError:
            log.info("NNCF is not installed: the embedding model stays in floating point")
        else:
            batches = [encode(texts[i : i + 4]) for i in range(0, len(texts), 4)]
            logging.getLogger("nncf").setLevel(logging.WARNING)
            with contextlib.redirect_stdout(io.StringIO()):  # its progress bars
                graph = nncf.quantize(
                    graph,
                    nncf.Dataset(batches),
                    model_type=nncf.ModelType.TRANSFORMER,
                    subset_size=len(batches),
                )
            quantized = True
    out = Path(out_dir)
    ov.save_model(graph, str(out / "model.xml"), compress_to_fp16=False)
    backend = tokenizer.backend_tokenizer  # the tokenizer as sentence-transformers runs it
    backend.enable_truncation(max_length=model.max_seq_length)
    backend.enable_padding(pad_id=tokenizer.pad_token_id, pad_token=tokenizer.pad_token)
    backend.save(str(out / "tokenizer.json"))
    meta = {
        "recipe": RECIPE,
        "inputs": names,
        "lower_case": lower,
        "int8": quantized,
        "dimensions": dimensions(),
    }
    (out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


@dataclass(frozen=True)
class RunPlan:
    """How inference uses the cores: parallel requests (streams), threads, batch size."""

    threads: int
    streams: int = 1
    batch: int = 32


def available_cores() -> int:
    """The cores this process may run on (its affinity), physical where that is known."""
    import psutil

    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        allowed = os.cpu_count() or 1
    return max(1, min(allowed, psutil.cpu_count(logical=False) or allowed))


def run_plan(cores: int) -> RunPlan:
    """Batches of 8 (less padding to each batch's longest passage), up to four requests
    at a time. bench/embed_cores.py on a 16-core Xeon pinned to 2, 4, 8 and 16 cores
    chose the candidates, then this rule, then checked it: the fastest plan or close to
    it at every core count, and faster than the one request of 32 used before (figures:
    docs/GPU.md)."""
    return RunPlan(threads=cores, streams=max(1, min(cores, 4)), batch=8)


class OpenVINOEmbedder:
    """Same protocol as ``SentenceEmbedder``; loads (and prepares, the first time) on
    first use, never on the GUI thread."""

    def __init__(
        self,
        model_path: str,
        name: str,
        *,
        fallback: Callable[[], Embedder],
        quantize: bool = True,
        plan: RunPlan | None = None,
        cache: Path | None = None,
    ) -> None:
        self.model_path = model_path
        self.name = name
        self.quantize = quantize
        self.plan = plan or run_plan(available_cores())
        self._cache = cache
        self._fallback = fallback
        self._lock = threading.Lock()
        self._ready = False
        self._compiled: Any = None
        self._tokenizer: Any = None
        self._inputs: list[str] = []
        self._lower = False
        self._dimensions = 0
        self._torch: Embedder | None = None  # set when OpenVINO could not be used
        self.backend = "openvino"

    # -- loading -------------------------------------------------------------------------

    def prepared_folder(self) -> Path:
        """The model prepared for OpenVINO: the installer's, else this computer's
        (prepared first when it is not there yet)."""
        shipped = None if self._cache else shipped_folder(self.model_path, self.quantize)
        return shipped or self._prepared_here()

    def _prepared_here(self) -> Path:
        root = self._cache or paths.embedding_cache_dir()
        target = root / cache_key(self.model_path, self.quantize)
        if (target / "meta.json").is_file():
            return target
        partial = root / f".partial-{uuid.uuid4().hex}"
        partial.mkdir(parents=True)
        try:
            log.info("preparing the embedding model %s for this computer", self.name)
            run_isolated(
                prepare,
                self.model_path,
                str(partial),
                self.quantize,
                calibration_texts(),
                timeout_s=PREPARE_TIMEOUT_S,
                memory_limit_bytes=PREPARE_MEMORY,
                nice=10,
            )
            try:
                partial.rename(target)
            except OSError:  # another process prepared it first
                if not (target / "meta.json").is_file():
                    raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return target

    def _load(self) -> None:
        with self._lock:
            if self._ready:
                return
            problem = unsupported(self.model_path)
            if problem is None:
                try:
                    self._open_prepared()
                except Exception as exc:  # any failure: torch still works
                    problem = f"{type(exc).__name__}: {exc}"
            if problem is not None:
                log.warning("embedding %s with torch: %s", self.name, problem)
                self._torch = self._fallback()
                self.backend = "torch"
            self._ready = True

    def use_prepared(self, folder: Path) -> None:
        """Run a model prepared elsewhere (benchmarks on a machine without the model's
        source files): no preparing, no fallback."""
        with self._lock:
            self._open(folder)
            self._ready = True

    def _open_prepared(self) -> None:
        folder = self.prepared_folder()
        try:
            self._open(folder)
        except Exception:  # a damaged preparation: made again here, once
            log.warning("the prepared embedding model %s would not open: preparing again", folder)
            if not folder.is_relative_to(assets.root()):  # the installer's stays as it is
                shutil.rmtree(folder, ignore_errors=True)
            self._open(self._prepared_here())

    def _open(self, folder: Path) -> None:
        import openvino as ov
        from tokenizers import Tokenizer

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        core = ov.Core()
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": "LATENCY" if self.plan.streams == 1 else "THROUGHPUT",
            "NUM_STREAMS": self.plan.streams,
            "INFERENCE_NUM_THREADS": self.plan.threads,
        }
        if "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
            config["INFERENCE_PRECISION_HINT"] = "bf16"
        self._compiled = core.compile_model(str(folder / "model.xml"), "CPU", config)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._inputs = list(meta["inputs"])
        self._lower = bool(meta["lower_case"])
        self._dimensions = int(meta["dimensions"])
        self.backend = "openvino-int8" if meta["int8"] else "openvino"

    # -- embedding -----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self._load()
        if self._torch is not None:
            return self._torch.embed(texts)
        items = [t.lower() if self._lower else t for t in texts]
        order = np.argsort([-len(t) for t in items], kind="stable")  # alike lengths batch
        out = np.zeros((len(items), self._dimensions), dtype=np.float32)
        # One request per stream, each started as soon as it is free, so the next batch
        # is tokenized while others run (inference lets go of the GIL). No callbacks: a
        # Python callback on OpenVINO's threads can end up freeing a request there.
        requests = [self._compiled.create_infer_request() for _ in range(self.plan.streams)]
        running: list[np.ndarray | None] = [None] * len(requests)

        def collect(slot: int) -> None:
            rows = running[slot]
            if rows is not None:
                requests[slot].wait()
                out[rows] = requests[slot].get_output_tensor(0).data
                running[slot] = None

        batch = self.plan.batch
        try:
            for number, start in enumerate(range(0, len(items), batch)):
                slot = number % len(requests)
                rows = order[start : start + batch]
                encoded = self._tokenizer.encode_batch([items[i] for i in rows])
                arrays = {
                    "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], np.int64),
                    "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
                }
                collect(slot)
                requests[slot].start_async({n: arrays[n] for n in self._inputs})
                running[slot] = rows
        finally:  # no request is left running, whatever happened
            for slot in range(len(requests)):
                collect(slot)
        norms: np.ndarray = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out
