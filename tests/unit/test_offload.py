"""How many layers go to the GPU ("auto"), and whether llama.cpp can use one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushdesk.engine import offload

GIB = 1024**3


def fit(free: float, *, model: float = 4.0, layers: int = 32, kv: int = 131_072) -> int:
    return offload.layers_that_fit(
        model_bytes=int(model * GIB),
        layers=layers,
        kv_bytes_per_token=kv,
        n_ctx=4096,
        free_bytes=int(free * GIB),
    )


def test_a_model_that_fits_goes_whole() -> None:
    assert fit(24) == offload.ALL_LAYERS


def test_a_model_that_does_not_fit_goes_in_part() -> None:
    part = fit(4)  # 4 GiB of weights + 0.5 GiB of cache on a card with 4 GiB free
    assert 0 < part < 32
    per_layer = 4.5 * GIB / 33
    assert part * per_layer <= 4 * GIB * offload.FREE_SHARE - offload.RESERVE_BYTES


def test_a_full_card_gets_nothing() -> None:
    assert fit(0.5) == 0
    assert fit(0) == 0


def test_no_gpu_build_offloads_nothing() -> None:
    auto = offload.auto_layers(
        model_bytes=GIB, layers=22, kv_bytes_per_token=1, n_ctx=1, offload=False
    )
    assert auto == 0


def test_a_gpu_build_is_told_from_its_library_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offload.importlib.util, "find_spec", lambda _name: None)
    monkeypatch.setenv("LLAMA_CPP_LIB_PATH", str(tmp_path))
    (tmp_path / "libllama.so").touch()
    (tmp_path / "libggml-cpu.so").touch()
    assert not offload.gpu_build()
    (tmp_path / "libggml-cuda.so").touch()
    assert offload.gpu_build()


def test_the_installed_wheel_is_cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLAMA_CPP_LIB_PATH", raising=False)
    assert not offload.gpu_build()
