"""The catalog's schema, memory estimates against known sizes, and advice."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from hushdesk import assets
from hushdesk.models import catalog, hardware
from hushdesk.models.hardware import GB, Gpu, Machine

REQUIRED = {
    "llama-3.2-1b-instruct",
    "llama-3.2-3b-instruct",
    "qwen2.5-0.5b-instruct",
    "qwen2.5-1.5b-instruct",
    "qwen2.5-3b-instruct",
    "phi-3.5-mini-instruct",
    "gemma-2-2b-it",
    "smollm2-1.7b-instruct",
    "tinyllama-1.1b-chat",
    "mistral-7b-instruct-v0.3",
    "zephyr-7b-beta",
    "smollm2-135m-instruct",
    # today's small models (issue 37): thinkers, and one that sees images
    "qwen3-0.6b",
    "qwen3-1.7b",
    "qwen3-4b",
    "gemma-3-1b-it",
    "gemma-3-4b-it",
    "phi-4-mini-instruct",
}
THINKERS = {"qwen3-0.6b", "qwen3-1.7b", "qwen3-4b"}


def test_catalog_schema() -> None:
    raw = json.loads(assets.read_text("catalog.json"))
    assert raw["version"] == 1
    ids = [m["id"] for m in raw["models"]]
    assert len(ids) == len(set(ids))
    assert set(ids) >= REQUIRED
    for m in raw["models"]:
        assert set(m) >= {
            "id",
            "name",
            "family",
            "kind",
            "parameters",
            "context_length",
            "license",
            "good_for",
            "rank",
            "kv",
            "files",
        }, m["id"]
        assert m["kind"] == "llm"
        assert m["good_for"].endswith(".")
        assert m["context_length"] >= 2048
        assert set(m["kv"]) == {"layers", "kv_heads", "head_dim"}
        quants = [f["quantization"] for f in m["files"]]
        if not m.get("bundled"):  # what the repository has, in this order
            order = ["Q4_K_M", "Q5_K_M", "Q8_0"]
            assert quants == [q for q in order if q in quants], m["id"]
        assert bool(m.get("reasons")) == (m["id"] in THINKERS), m["id"]
        if "projector" in m:
            assert "mmproj" in m["projector"]["filename"]
            assert m["projector"]["repo"] == m["files"][0]["repo"]
        sizes = [f["size_bytes"] for f in m["files"]]
        assert sizes == sorted(sizes), m["id"]
        for f in m["files"]:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+", f["repo"]), f
            assert f["filename"].endswith(".gguf")
            # Bits per weight of the file must be plausible for its quantization.
            bpw = f["size_bytes"] * 8 / m["parameters"]
            assert 4.0 < bpw < 12, (m["id"], f["quantization"], bpw)  # small models: big vocab
    embeddings = {e["id"] for e in raw["embeddings"]}
    assert embeddings == {"all-minilm-l6-v2", "bge-small-en-v1.5", "multilingual-e5-small"}
    loaded = catalog.load()
    assert len(loaded.models) == len(raw["models"])


def test_estimates_match_known_sizes() -> None:
    cat = catalog.load()
    llama3b = cat.get("llama-3.2-3b-instruct")
    assert llama3b is not None
    need = hardware.estimate(llama3b, llama3b.file(), 4096)
    # 28 layers x 8 KV heads x 128 dims x 2 (K and V) x 2 bytes x 4096 tokens = 448 MiB
    assert need.kv_cache == 28 * 8 * 128 * 2 * 2 * 4096 == 448 * 2**20
    assert need.weights == 2019377696
    assert 2.5 * GB < need.total < 2.7 * GB
    tiny = cat.get("tinyllama-1.1b-chat")
    assert tiny is not None
    assert hardware.estimate(tiny, tiny.file(), 8192).n_ctx == 2048  # capped by the model


@pytest.mark.parametrize(
    ("ram_free", "ram_total", "expected"),
    [(12 * GB, 16 * GB, "fits"), (3 * GB, 16 * GB, "tight"), (2 * GB, 4 * GB, "wont_fit")],
)
def test_fit_verdicts(ram_free: int, ram_total: int, expected: str) -> None:
    cat = catalog.load()
    model = cat.get("llama-3.2-3b-instruct")
    assert model is not None
    machine = Machine(ram_total, ram_free, cpu_cores=8)
    verdict = hardware.fit(hardware.estimate(model, model.file(), 4096), machine)
    assert verdict.verdict == expected
    assert "needs about 2.6 GB" in verdict.reason


def test_a_gpu_with_room_runs_it() -> None:
    cat = catalog.load()
    model = cat.get("mistral-7b-instruct-v0.3")
    assert model is not None
    machine = Machine(8 * GB, 4 * GB, 4, (Gpu("NVIDIA RTX 4070", 12 * GB, 11 * GB),))
    verdict = hardware.fit(hardware.estimate(model, model.file(), 4096), machine)
    assert verdict.verdict == "fits"
    assert verdict.on_gpu
    assert "RTX 4070" in verdict.reason
    # The same card with a llama.cpp that cannot use it: the CPU's verdict and speed.
    cpu_only = Machine(8 * GB, 4 * GB, 4, machine.gpus, gpu_build=False)
    verdict = hardware.fit(hardware.estimate(model, model.file(), 4096), cpu_only)
    assert not verdict.on_gpu
    assert "GPU" not in verdict.label


def test_recommendations_follow_memory_and_speed() -> None:
    cat = catalog.load()
    small = hardware.recommend(cat, Machine(4 * GB, 2 * GB, 2))
    assert small is not None
    assert small.model.parameters < 1.6e9
    big = hardware.recommend(cat, Machine(32 * GB, 24 * GB, 8))
    assert big is not None
    assert big.model.parameters > 3e9
    assert "fits comfortably" in big.why
    gpu = hardware.recommend(cat, Machine(16 * GB, 8 * GB, 4, (Gpu("RTX", 24 * GB, 22 * GB),)))
    assert gpu is not None
    assert gpu.model.id == "mistral-7b-instruct-v0.3"
    assert gpu.file.quantization == "Q8_0"
    assert hardware.recommend(cat, Machine(1 * GB, GB // 4, 1)) is None


def test_a_thinker_is_recommended_only_where_it_thinks_quickly_enough() -> None:
    cat = catalog.load()
    thinker = cat.get("qwen3-4b")
    assert thinker is not None
    plain = dataclasses.replace(thinker, reasons=False)
    laptop = Machine(16 * GB, 12 * GB, 4)  # ~10 tokens/s: readable, too slow to think first
    assert hardware.recommend(catalog.Catalog((thinker,), ()), laptop) is None
    assert hardware.recommend(catalog.Catalog((plain,), ()), laptop) is not None
    gpu = Machine(16 * GB, 12 * GB, 4, (Gpu("RTX", 12 * GB, 11 * GB),))
    pick = hardware.recommend(catalog.Catalog((thinker,), ()), gpu)
    assert pick is not None
    assert "thinks before it answers" in pick.why
    assert thinker.traits == "thinks first"


def test_a_vision_model_needs_room_for_its_projector() -> None:
    seeing = catalog.load().get("gemma-3-4b-it")
    assert seeing is not None
    assert seeing.projector is not None
    assert seeing.traits == "sees images"
    file = seeing.file()
    blind = dataclasses.replace(seeing, projector=None)
    extra = hardware.estimate(seeing, file, 4096).total - hardware.estimate(blind, file, 4096).total
    assert extra == seeing.projector.size_bytes
    assert seeing.download_bytes(file) == file.size_bytes + seeing.projector.size_bytes


def test_nvidia_smi_output_is_parsed() -> None:
    gpus = hardware.parse_nvidia_smi("NVIDIA GeForce RTX 3060, 12288, 11000\nbad line\n")
    assert gpus == [Gpu("NVIDIA GeForce RTX 3060", 12288 * 2**20, 11000 * 2**20)]
