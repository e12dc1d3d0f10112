"""How big the engine child's work is: threads, GPU layers ("auto"), and the address
space a model may need on the CPU (its cap). Pure sizing, read in the child before a
load; kept apart from the request loop (``worker``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hushdesk.engine import gguf_info, offload
from hushdesk.engine.types import LoadSpec
from hushdesk.errors import HushdeskError


def default_threads() -> int:
    """Physical cores, at most 8: llama.cpp decodes slower on hyper-threads."""
    import psutil

    physical = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        available = os.cpu_count() or 1
    return max(1, min(physical, available, 8))


# Beyond the model, its adapter, the KV cache and the attention scratch: Python,
# llama.cpp's code, each thread's stack and malloc arena, a long prompt's tokens.
ENGINE_MEMORY_MARGIN = 4 << 30


def read_metadata(spec: LoadSpec) -> gguf_info.GGUFInfo | None:
    try:
        return gguf_info.read_metadata(spec.model_path)
    except (HushdeskError, OSError, ValueError):
        return None  # llama.cpp's own load says what is wrong with the file


def auto_layers(spec: LoadSpec, info: gguf_info.GGUFInfo | None, can_offload: bool) -> int:
    """``AUTO_GPU_LAYERS`` made a number for this model, context and GPU."""
    if info is None:
        return 0
    return offload.auto_layers(
        model_bytes=info.size_bytes,
        layers=info.block_count,
        kv_bytes_per_token=info.kv_bytes_per_token,
        n_ctx=min(n for n in (spec.n_ctx, info.context_length, 1 << 20) if n > 0),
        offload=can_offload,
    )


def memory_cap(spec: LoadSpec, info: gguf_info.GGUFInfo | None, on_gpu: bool) -> int | None:
    """The most address space this model may need on the CPU, with a wide margin; None
    with layers on a GPU, whose driver reserves address space far beyond any memory
    (CUDA maps tens of GB up front), so that no cap would fit."""
    if on_gpu:
        return None
    try:
        size = info.size_bytes if info is not None else Path(spec.model_path).stat().st_size
        lora = Path(spec.lora_path).stat().st_size if spec.lora_path else 0
    except OSError:
        return None  # llama.cpp's own load says what is missing
    trained = info.context_length if info is not None else 0
    n_ctx = max(spec.n_ctx or trained or 4096, 512)
    per_token = info.kv_bytes_per_token if info is not None else 0
    kv = per_token * n_ctx if per_token else size
    scratch = n_ctx * max(spec.n_batch, 512) * 4 * 64  # attention scores: 64 heads in f32
    return size + lora + kv + scratch + ENGINE_MEMORY_MARGIN


def limit_memory(cap: int | None) -> bool:
    """Cap this child's memory (None: lift the cap). On Linux only the soft limit, so
    that a later load of a bigger model in the same child may raise it again; elsewhere
    as ``isolate`` does (the app starts a fresh child for every load)."""
    if not sys.platform.startswith("linux"):
        from hushdesk import isolate

        return cap is not None and isolate.limit_memory(cap)
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = hard if cap is None or (hard != resource.RLIM_INFINITY and cap > hard) else cap
    try:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):
        return False
    return cap is not None
