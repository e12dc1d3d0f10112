"""Images for a model that sees: llama.cpp's multimodal library (libmtmd, through the
ctypes binding llama-cpp-python ships, the one its Llava15ChatHandler uses) turns an
image into embeddings with the model's vision projector (its ``mmproj`` file) and puts
them into the context where the image stands in the conversation.

Runs in the engine child, beside the model. The worker lays the prompt out as usual
(message text never becomes control tokens) and leaves a position for each image: a
run of negative ids unique to that image, so the KV cache is reused across turns up to
the first image that changed. Images reach here already checked and re-encoded by the
app (``assistant.images``): a small PNG, never the user's file.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hushdesk.engine.types import Message
from hushdesk.errors import ModelError

MARK = "\ue002"  # where an image stands in a message (private use: removed from text)
NO_VISION = (
    "This model does not see images. Choose a model with vision (one imported with its "
    "mmproj file), or send the message without the image."
)


@dataclass
class Placed:
    """One image's chunk in a prompt: its embeddings are computed when it is evaluated."""

    chunks: Any  # the mtmd_input_chunks that own it
    chunk: Any
    n_tokens: int
    key: int  # the negative id its positions carry


class Vision:
    """A vision projector loaded for the model in this process."""

    def __init__(self, mmproj_path: str, model: Any, *, threads: int, use_gpu: bool) -> None:
        import llama_cpp
        import llama_cpp.mtmd_cpp as mtmd

        self._mtmd, self._llama_cpp = mtmd, llama_cpp
        self._quiet = llama_cpp.llama_log_callback(lambda _level, _text, _data: None)
        mtmd.mtmd_log_set(self._quiet, None)  # its progress lines are not ours to print
        mtmd.mtmd_helper_log_set(self._quiet, None)
        params = mtmd.mtmd_context_params_default()
        params.use_gpu, params.print_timings, params.n_threads = use_gpu, False, threads
        self.ctx = mtmd.mtmd_init_from_file(mmproj_path.encode(), model, params)
        if not self.ctx:
            raise ModelError(
                "The vision projector could not be loaded with this model: is it the "
                "model's own mmproj file?"
            )
        if not mtmd.mtmd_support_vision(self.ctx):
            self.close()
            raise ModelError("The projector file is not for images (an audio projector?).")
        self._marker = mtmd.mtmd_default_marker()
        self._placed: list[Placed] = []

    def place(self, image: bytes) -> Placed:
        """``image`` (a PNG or JPEG) as a chunk of the next prompt."""
        mtmd = self._mtmd
        data = (ctypes.c_uint8 * len(image)).from_buffer_copy(image)
        bitmap = mtmd.mtmd_helper_bitmap_init_from_buf(self.ctx, data, len(image), False)
        if not bitmap:
            raise ModelError("An image in the conversation could not be read by the model.")
        chunks = mtmd.mtmd_input_chunks_init()
        try:
            text = mtmd.mtmd_input_text()
            text.text, text.text_len = self._marker, len(self._marker)
            text.add_special, text.parse_special = False, True
            bitmaps = (mtmd.mtmd_bitmap_p_ctypes * 1)(bitmap)
            if mtmd.mtmd_tokenize(self.ctx, chunks, ctypes.byref(text), bitmaps, 1) != 0:
                raise ModelError("The model could not take an image of the conversation.")
            for i in range(mtmd.mtmd_input_chunks_size(chunks)):
                chunk = mtmd.mtmd_input_chunks_get(chunks, i)
                if mtmd.mtmd_input_chunk_get_type(chunk) == mtmd.MTMD_INPUT_CHUNK_TYPE_IMAGE:
                    digest = int.from_bytes(hashlib.sha256(image).digest()[:4], "big")
                    key = -2 - digest % (1 << 30)  # negative, within llama_token's int32
                    placed = Placed(chunks, chunk, mtmd.mtmd_input_chunk_get_n_tokens(chunk), key)
                    self._placed.append(placed)
                    return placed
            raise ModelError("The model made nothing of an image of the conversation.")
        except BaseException:
            mtmd.mtmd_input_chunks_free(chunks)
            raise
        finally:
            mtmd.mtmd_bitmap_free(bitmap)

    def evaluate(self, llama_ctx: Any, placed: Placed, n_past: int, n_batch: int) -> int:
        """Put the image's embeddings into the context at ``n_past``; the position after."""
        after = self._llama_cpp.llama_pos(0)
        failed = self._mtmd.mtmd_helper_eval_chunk_single(
            self.ctx, llama_ctx, placed.chunk, n_past, 0, n_batch, True, ctypes.byref(after)
        )
        if failed:
            raise ModelError("llama.cpp could not evaluate an image of the conversation.")
        if after.value != n_past + placed.n_tokens:  # M-RoPE: an image's own positions
            raise ModelError(
                "This model places images in positions of their own (as Qwen2-VL does), "
                "which Hushdesk does not support yet."
            )
        return int(after.value)

    def release(self) -> None:
        """The chunks of the last prompt (kept until it was evaluated)."""
        for placed in self._placed:
            self._mtmd.mtmd_input_chunks_free(placed.chunks)
        self._placed = []

    def close(self) -> None:
        self.release()
        if self.ctx:
            self._mtmd.mtmd_free(self.ctx)
            self.ctx = None


def marked(messages: Sequence[Message]) -> tuple[list[Message], list[bytes]]:
    """The messages with a mark where each image stands (before the text it came with),
    and the images in that order. A mark already in a text is taken out: text cannot
    move an image."""
    images = [image for m in messages for image in m.images]
    return [
        Message(
            m.role, MARK * len(m.images) + ("\n" if m.images else "") + m.content.replace(MARK, "")
        )
        for m in messages
    ], images


def tokenize(
    pieces: Sequence[tuple[str, bool]],
    text_tokens: Callable[[str, bool, bool], list[int]],
    vision: Vision | None,
    images: list[bytes],
) -> tuple[list[int], dict[int, Placed]]:
    """The laid-out prompt as tokens: ``text_tokens(text, special, first)`` for text, a
    run of the image's key for each mark in message text; where each image starts."""
    tokens: list[int] = []
    placed: dict[int, Placed] = {}
    queue = list(images)
    for index, (text, special) in enumerate(pieces):
        parts = [text] if special or vision is None else text.split(MARK)
        for n, part in enumerate(parts):
            if n and vision is not None and queue:
                image = vision.place(queue.pop(0))
                placed[len(tokens)] = image
                tokens += [image.key] * image.n_tokens
            if part or (index == 0 and n == 0):
                tokens += text_tokens(part, special, not tokens)
    return tokens, placed
