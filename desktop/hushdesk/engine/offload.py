"""The GPU: what NVIDIA's tool reports, whether this llama.cpp build can use a GPU, and how
many of a model's layers to put there ("auto", the default)."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("hushdesk.engine")

AUTO_GPU_LAYERS = -2  # LoadSpec.n_gpu_layers: as many layers as fit in the GPU's free memory
ALL_LAYERS = -1
MIB = 1024**2
# Kept free on the GPU besides the layers: llama.cpp's compute buffers and CUDA's own
# context, plus a tenth of what the card has free for whatever else runs there.
RESERVE_BYTES = 640 * MIB
FREE_SHARE = 0.9
# llama.cpp's GPU back ends, by their library's name (beside libllama).
GPU_BACKENDS = ("cuda", "hip", "metal", "vulkan", "sycl", "musa")


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_total: int
    memory_free: int


def prepare_devices(timeout_s: float = 10.0) -> None:
    """Have NVIDIA's device nodes made before the engine child starts. CUDA runs the
    setuid ``nvidia-modprobe`` when ``/dev/nvidia-uvm`` is missing (the first CUDA use
    after a boot without the persistence daemon); the engine child runs with no new
    privileges (its seccomp filter), where that cannot work. Nothing to do elsewhere."""
    if not sys.platform.startswith("linux") or not Path("/dev/nvidiactl").exists():
        return
    if Path("/dev/nvidia-uvm").exists():
        return
    tool = shutil.which("nvidia-modprobe")
    if tool is None:
        return
    try:
        subprocess.run([tool, "-u", "-c=0"], capture_output=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("nvidia-modprobe did not run (%s)", type(exc).__name__)


def nvidia_gpus(timeout_s: float = 5.0) -> list[Gpu]:
    """NVIDIA GPUs from nvidia-smi when it is installed (none otherwise)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return []
    try:
        out = subprocess.run(
            [tool, "--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("nvidia-smi did not answer: %s", exc)
        return []
    return parse_nvidia_smi(out)


def parse_nvidia_smi(text: str) -> list[Gpu]:
    gpus = []
    for line in text.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            gpus.append(Gpu(parts[0], int(parts[1]) * MIB, int(parts[2]) * MIB))
    return gpus


def gpu_build() -> bool:
    """Whether the installed llama.cpp has a GPU back end, from its library files alone:
    loading it would start the GPU driver in this process."""
    folders = []
    if os.environ.get("LLAMA_CPP_LIB_PATH"):
        folders.append(Path(os.environ["LLAMA_CPP_LIB_PATH"]))
    spec = importlib.util.find_spec("llama_cpp")
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "lib")
    names = (p.name.lower() for folder in folders if folder.is_dir() for p in folder.iterdir())
    return any(f"ggml-{backend}" in name for name in names for backend in GPU_BACKENDS)


def layers_that_fit(
    *, model_bytes: int, layers: int, kv_bytes_per_token: int, n_ctx: int, free_bytes: int
) -> int:
    """How many of ``layers`` to offload: all (-1) when the model, its KV cache and a
    reserve fit in the free share of the GPU's memory; else as many whole layers (each
    with its share of the weights and the cache) as fit; 0 when none does."""
    budget = free_bytes * FREE_SHARE - RESERVE_BYTES
    kv = kv_bytes_per_token * n_ctx
    if model_bytes + kv <= budget:
        return ALL_LAYERS
    if layers <= 0 or budget <= 0:
        return 0
    per_layer = (model_bytes + kv) / (layers + 1)  # + the output layer, kept on the CPU
    return max(0, min(layers, int(budget // per_layer)))


def auto_layers(
    *, model_bytes: int, layers: int, kv_bytes_per_token: int, n_ctx: int, offload: bool
) -> int:
    """The layers to offload for "auto": none without a GPU build; on NVIDIA what fits in
    the best card's free memory; with another GPU back end all (Apple's Metal shares
    the computer's memory; elsewhere set a number in the model's settings)."""
    if not offload:
        return 0
    gpus = nvidia_gpus()
    if not gpus:
        return ALL_LAYERS if sys.platform == "darwin" else 0
    free = max(g.memory_free for g in gpus)
    return layers_that_fit(
        model_bytes=model_bytes,
        layers=layers,
        kv_bytes_per_token=kv_bytes_per_token,
        n_ctx=n_ctx,
        free_bytes=free,
    )
