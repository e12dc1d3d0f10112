"""Broken model files, made on the fly from the real starter model."""

from __future__ import annotations

import os
from pathlib import Path


def hostile_model(tmp_path: Path, starter_model: Path, kind: str) -> Path:
    target = tmp_path / f"{kind}.gguf"
    if kind == "empty":
        target.write_bytes(b"")
    elif kind == "random":
        target.write_bytes(os.urandom(4096))
    elif kind == "text":
        target.write_text("This is not a model, just a note renamed to .gguf\n")
    elif kind == "truncated":
        with starter_model.open("rb") as src, target.open("wb") as dst:
            dst.write(src.read(starter_model.stat().st_size // 2))
    elif kind == "header-only":
        with starter_model.open("rb") as src, target.open("wb") as dst:
            dst.write(src.read(6))
    elif kind == "future-version":
        target.write_bytes(b"GGUF" + (99).to_bytes(4, "little") + b"\0" * 64)
    elif kind == "ggml":
        target.write_bytes(b"ggjt" + b"\0" * 64)
    elif kind == "garbage-after-magic":
        target.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + os.urandom(256))
    return target
