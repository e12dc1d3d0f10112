"""Model files made on the fly: broken ones from the real starter model, and tiny real
ones (an adapter, a chat model's header) written with the gguf package."""

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


def tiny_lora(path: Path, *, architecture: str = "llama", width: int = 576) -> Path:
    """A real LoRA adapter for the starter model: rank 4 on two attention layers, B = 0
    (so it changes nothing), written with the gguf package."""
    import numpy as np
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), architecture)
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 8.0)
    for layer in range(2):
        a = np.random.default_rng(layer).standard_normal((4, width)).astype(np.float32) * 0.01
        writer.add_tensor(f"blk.{layer}.attn_q.weight.lora_a", a)
        writer.add_tensor(f"blk.{layer}.attn_q.weight.lora_b", np.zeros((width, 4), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def tiny_chat_model(path: Path, name: str) -> Path:
    """A GGUF that passes the import's checks (a llama with a tokenizer, named ``name``
    in its metadata) in a few hundred bytes: no engine could run it, nothing reads it."""
    import numpy as np
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), "llama")
    writer.add_name(name)
    writer.add_context_length(2048)
    writer.add_block_count(1)
    writer.add_tokenizer_model("gpt2")
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
