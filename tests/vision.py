"""A vision projector for the starter model, made here: a LLaVA-style ("mlp") mmproj of
random weights (a two-block vision tower of width 64 over 32-pixel images in 8-pixel
patches, 16 image tokens, projected to the starter's 576), written with the gguf
package. llama.cpp's multimodal library loads it and puts an image's embeddings into
the context: it proves the path, not what a model sees (that needs a trained one)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

IMAGE, PATCH, WIDTH, FFN, HIDDEN, BLOCKS = 32, 8, 64, 128, 128, 2


def tiny_projector(path: Path, text_width: int = 576, seed: int = 0) -> Path:
    from gguf import GGUFWriter

    rng = np.random.default_rng(seed)

    def noise(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    writer = GGUFWriter(str(path), "clip")
    writer.add_name("tiny random projector")
    writer.add_file_type(0)
    for key, on in (("has_vision_encoder", True), ("has_audio_encoder", False),
                    ("has_text_encoder", False), ("use_gelu", True)):  # fmt: skip
        writer.add_bool(f"clip.{key}", on)
    writer.add_string("clip.projector_type", "mlp")
    for key, value in (("image_size", IMAGE), ("patch_size", PATCH), ("embedding_length", WIDTH),
                       ("feed_forward_length", FFN), ("projection_dim", text_width),
                       ("block_count", BLOCKS), ("attention.head_count", 4)):  # fmt: skip
        writer.add_uint32(f"clip.vision.{key}", value)  # every one is required, as uint32
    writer.add_float32("clip.vision.attention.layer_norm_epsilon", 1e-5)
    writer.add_array("clip.vision.image_mean", [0.5, 0.5, 0.5])
    writer.add_array("clip.vision.image_std", [0.5, 0.5, 0.5])
    ones, zeros = np.ones(WIDTH, np.float32), np.zeros(WIDTH, np.float32)
    tensors = {
        "v.patch_embd.weight": noise(WIDTH, 3, PATCH, PATCH),
        "v.patch_embd.bias": zeros,
        "v.position_embd.weight": noise((IMAGE // PATCH) ** 2, WIDTH),  # crashes without
        "v.pre_ln.weight": ones,
        "v.pre_ln.bias": zeros,
    }
    for block in range(BLOCKS):
        at = f"v.blk.{block}"
        tensors |= {f"{at}.{ln}.{part}": (ones if part == "weight" else zeros)
                    for ln in ("ln1", "ln2") for part in ("weight", "bias")}  # fmt: skip
        for name in ("attn_q", "attn_k", "attn_v", "attn_out"):
            tensors |= {f"{at}.{name}.weight": noise(WIDTH, WIDTH), f"{at}.{name}.bias": zeros}
        tensors |= {
            f"{at}.ffn_up.weight": noise(FFN, WIDTH),
            f"{at}.ffn_up.bias": np.zeros(FFN, np.float32),
            f"{at}.ffn_down.weight": noise(WIDTH, FFN),
            f"{at}.ffn_down.bias": zeros,
        }
    tensors |= {
        "mm.0.weight": noise(HIDDEN, WIDTH),
        "mm.0.bias": np.zeros(HIDDEN, np.float32),
        "mm.2.weight": noise(text_width, HIDDEN),  # its width must be the model's
        "mm.2.bias": np.zeros(text_width, np.float32),
    }
    for name, tensor in tensors.items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def picture(colour: tuple[int, int, int] = (200, 40, 40), size: int = 40) -> bytes:
    """A small PNG: a square of ``colour`` on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(image).rectangle((size // 4, size // 4, 3 * size // 4, 3 * size // 4),
                                    fill=colour)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
