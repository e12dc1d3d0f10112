"""Unit tests are fast and run on fakes: they open no model file (checked here, by an
audit hook on every ``open`` of a test) and the vault derives keys with a cheap argon2id
setting. Real models and the real key setting are the integration tests'."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from hushdesk import sealed

MODEL_SUFFIXES = (".gguf", ".onnx", ".safetensors", "openvino_model.xml", "openvino_model.bin")
MODEL_SIZE = 1 << 20  # a few bytes shaped like a hostile GGUF header are not a model
CHEAP_KDF = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}  # KiB: argon2's floor is 8

_watching: list[list[str]] = []  # the current test's opened model files, while one runs


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _watching and isinstance(args[0], str | bytes):
        path = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
        if path.endswith(MODEL_SUFFIXES) and _size(path) >= MODEL_SIZE:
            _watching[-1].append(path)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def no_model_files() -> Iterator[None]:
    opened: list[str] = []
    _watching.append(opened)
    try:
        yield
    finally:
        _watching.remove(opened)
    assert not opened, f"a unit test opened model files (an integration test's work): {opened}"


@pytest.fixture(autouse=True)
def cheap_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealed, "KDF", CHEAP_KDF)
