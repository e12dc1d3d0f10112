"""What this machine can run: memory, GPU, and a Fits / Tight / Won't fit verdict."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from hushdesk.engine.offload import Gpu, gpu_build, nvidia_gpus, parse_nvidia_smi
from hushdesk.models.catalog import Catalog, CatalogFile, CatalogModel

__all__ = ["Gpu", "Machine", "detect", "parse_nvidia_smi", "recommend"]

GB = 1024**3
Verdict = Literal["fits", "tight", "wont_fit"]
LABELS: dict[Verdict, str] = {"fits": "Fits", "tight": "Tight", "wont_fit": "Won't fit"}


@dataclass(frozen=True)
class Machine:
    memory_total: int
    memory_available: int
    cpu_cores: int
    gpus: tuple[Gpu, ...] = field(default=())
    gpu_build: bool = True  # the installed llama.cpp can use a GPU (offload.gpu_build)

    @property
    def best_gpu(self) -> Gpu | None:
        """The card a model would run on: the one with most free memory, when the
        installed llama.cpp can use it."""
        if not self.gpu_build:
            return None
        return max(self.gpus, key=lambda g: g.memory_free, default=None)


def detect() -> Machine:
    """RAM and CPU from psutil; NVIDIA GPUs from nvidia-smi when it is installed, and
    whether the installed llama.cpp can use them.

    Takes up to a few seconds when a GPU driver is slow to answer: call it off the GUI
    thread.
    """
    import psutil

    memory = psutil.virtual_memory()
    return Machine(
        memory_total=int(memory.total),
        memory_available=int(memory.available),
        cpu_cores=psutil.cpu_count(logical=False) or os.cpu_count() or 1,
        gpus=tuple(nvidia_gpus()),
        gpu_build=gpu_build(),
    )


@dataclass(frozen=True)
class Estimate:
    weights: int
    kv_cache: int
    overhead: int
    n_ctx: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.overhead


def estimate(model: CatalogModel, file: CatalogFile, n_ctx: int) -> Estimate:
    """Memory to run ``file`` with a context of ``n_ctx`` tokens (capped by the model's)."""
    n_ctx = min(n_ctx, model.context_length)
    seeing = model.projector.size_bytes if model.projector else 0  # read once per image
    return Estimate(
        weights=file.size_bytes,
        kv_cache=model.kv.bytes_per_token() * n_ctx,
        overhead=150 * 1024**2 + file.size_bytes // 20 + seeing,  # compute buffers, runtime
        n_ctx=n_ctx,
    )


# Decoding reads every weight once per token, so speed is roughly memory bandwidth over
# model size. A laptop core streams about 6 GB/s; dual-channel RAM caps it near 50 GB/s.
CPU_GBPS_PER_CORE, CPU_GBPS_MAX, GPU_GBPS = 6.0, 50.0, 300.0
READABLE_TOKENS_PER_S = 8.0  # slower than this feels sluggish for chat
# A model that thinks first writes several times the answer's tokens before its first
# word (Qwen3's thinking on a short question: hundreds of tokens); it is recommended
# only where it writes this much faster than readable.
THINKING_FACTOR = 3.0


def tokens_per_second(weights: int, machine: Machine, *, on_gpu: bool = False) -> float:
    """A rough decode speed, for advice only."""
    bandwidth = GPU_GBPS if on_gpu else min(CPU_GBPS_PER_CORE * machine.cpu_cores, CPU_GBPS_MAX)
    return bandwidth * GB / max(weights, 1)


# bench/voice.py's transcribe_rtf_tiny_en on a 2-core machine, where the transcriber
# runs one thread (all cores but one): seconds of work per second of speech.
TINY_EN_RTF_ONE_THREAD = 0.058


def transcription_rtf(cpu_cost: float, machine: Machine) -> float:
    """A rough real-time factor of transcription here, for advice only: tiny.en's measured
    rate times the model's relative cost, shared over the transcriber's threads (all
    cores but one, at most 8, not perfectly parallel)."""
    threads = min(max(1, machine.cpu_cores - 1), 8)
    return float(TINY_EN_RTF_ONE_THREAD * cpu_cost / threads**0.8)


@dataclass(frozen=True)
class Fit:
    verdict: Verdict
    reason: str
    on_gpu: bool = False
    tokens_per_s: float = 0.0

    @property
    def label(self) -> str:
        return LABELS[self.verdict] + (" (GPU)" if self.on_gpu else "")


def fit(need: Estimate, machine: Machine) -> Fit:
    """Fits: leaves room for the rest of your work. Tight: runs, but other programs may
    slow down or swap. Won't fit: not enough memory. The reason also gives a rough speed."""
    what = (
        f"needs about {_gb(need.total)} ({_gb(need.weights)} model + {_gb(need.kv_cache)} for "
        f"a {need.n_ctx:,}-token context)"
    )
    gpu = machine.best_gpu
    if gpu is not None and need.total <= gpu.memory_free * 0.9:
        speed = tokens_per_second(need.weights, machine, on_gpu=True)
        where = f"fits in the {_gb(gpu.memory_free)} free on {gpu.name}"
        return Fit("fits", f"{what}; {where}; ~{speed:.0f} tokens/s", True, speed)
    speed = tokens_per_second(need.weights, machine)
    free, total = machine.memory_available, machine.memory_total
    memory = f"{_gb(free)} free of {_gb(total)}; ~{speed:.0f} tokens/s on this CPU"
    if need.total <= free * 0.75:
        return Fit("fits", f"{what}; {memory}", tokens_per_s=speed)
    if need.total <= free or need.total <= total * 0.6:
        return Fit("tight", f"{what}; {memory}: close other programs first", tokens_per_s=speed)
    return Fit("wont_fit", f"{what}; only {_gb(free)} free of {_gb(total)}", tokens_per_s=speed)


@dataclass(frozen=True)
class Recommendation:
    model: CatalogModel
    file: CatalogFile
    fit: Fit
    why: str


QUALITY_ORDER = ("Q8_0", "Q5_K_M", "Q4_K_M")


def recommend(catalog: Catalog, machine: Machine, n_ctx: int = 4096) -> Recommendation | None:
    """The most capable model that fits comfortably and answers at a readable speed,
    in the best quantization that still does both."""
    candidates = sorted((m for m in catalog.models if not m.bundled), key=lambda m: -m.rank)
    for model in candidates:
        options = [f for q in QUALITY_ORDER[::-1] for f in model.files if f.quantization == q]
        good = [f for f in options if _comfortable(model, f, machine, n_ctx)]
        if not good:
            continue
        chosen = good[-1]  # the highest quality that still qualifies
        verdict = fit(estimate(model, chosen, n_ctx), machine)
        where = f"{_gb(machine.memory_available)} of memory free"
        if verdict.on_gpu and machine.best_gpu:
            where += f", {machine.best_gpu.name}"
        else:
            where += f", {machine.cpu_cores} CPU cores"
        quality = "good" if chosen.quantization == "Q4_K_M" else "near-full"
        why = (
            f"{model.name} is the most capable model in the catalog that fits comfortably on "
            f"this computer ({where}) and should answer at about {verdict.tokens_per_s:.0f} "
            f"tokens/s. {chosen.quantization} keeps {quality} quality at that size."
        )
        if model.reasons:
            why += (
                " It thinks before it answers; switch thinking off in a chat's settings for "
                "quicker answers."
            )
        return Recommendation(model, chosen, verdict, why)
    return None


def _comfortable(model: CatalogModel, file: CatalogFile, machine: Machine, n_ctx: int) -> bool:
    need = estimate(model, file, n_ctx)
    verdict = fit(need, machine)
    readable = READABLE_TOKENS_PER_S * (THINKING_FACTOR if model.reasons else 1.0)
    if verdict.verdict != "fits" or verdict.tokens_per_s < readable:
        return False
    # A larger quantization only when it leaves plenty of room.
    return (
        file.quantization == "Q4_K_M"
        or verdict.on_gpu
        or (need.total <= machine.memory_available * 0.5)
    )


def _gb(size: int) -> str:
    return f"{size / GB:.1f} GB"
