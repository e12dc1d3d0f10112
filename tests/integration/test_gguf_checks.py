"""The real starter model's GGUF read as the app reads it, and hostile model files
refused with a clear message before llama.cpp sees them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hushdesk.engine import gguf_info
from hushdesk.engine.outbox import StopStrings
from hushdesk.errors import ModelError
from tests.hostile import hostile_model


def test_real_starter_model_metadata(starter_model: Path) -> None:
    info = gguf_info.inspect(starter_model)
    assert info.architecture == "llama"
    assert info.context_length == 8192
    assert info.file_type == "Q4_1"
    assert 130e6 < info.n_params < 140e6
    assert info.has_chat_template
    assert "<|im_start|>" in (info.chat_template or "")
    assert "135M" in info.summary


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("empty", "is empty"),
        ("random", "not a GGUF model file"),
        ("text", "looks like a text file"),
        ("truncated", "truncated"),
        ("header-only", "truncated"),
        ("future-version", "GGUF version 99"),
        ("ggml", "old GGML file"),
        ("garbage-after-magic", "damaged"),
    ],
)
def test_hostile_files_are_refused(
    tmp_path: Path, starter_model: Path, kind: str, reason: str
) -> None:
    path = hostile_model(tmp_path, starter_model, kind)
    with pytest.raises(ModelError, match=reason) as caught:
        gguf_info.inspect(path, timeout_s=60)
    message = caught.value.message
    assert path.name in message
    assert "\n" not in message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        gguf_info.inspect(tmp_path / "nope.gguf")
    with pytest.raises(ModelError, match="not a file"):
        gguf_info.inspect(tmp_path)


def test_inspection_is_cached_by_file_identity(tmp_path: Path, starter_model: Path) -> None:
    copy = tmp_path / "copy.gguf"
    shutil.copyfile(starter_model, copy)
    first = gguf_info.inspect(copy)
    assert gguf_info.inspect(copy) is first
    with copy.open("r+b") as handle:
        handle.truncate(copy.stat().st_size - 10)
    with pytest.raises(ModelError, match="truncated"):
        gguf_info.inspect(copy)


def test_stop_strings_never_leak() -> None:
    stopper = StopStrings(["<END>"])
    assert stopper.feed("Hello <E") == ("Hello ", False)
    assert stopper.feed("N") == ("", False)
    assert stopper.feed("D> more") == ("", True)
    stopper = StopStrings(["<END>"])
    assert stopper.feed("a <") == ("a ", False)
    assert stopper.feed("b") == ("<b", False)
    assert stopper.flush("") == ""
    assert StopStrings([]).feed("x<") == ("x<", False)


LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{% endif %}"
)


def test_real_templates_pass_the_check_on_every_shape(starter_model: Path) -> None:
    """The check tries conversations of 1 to 12 messages: real templates still pass."""
    from hushdesk.engine import templates

    own = gguf_info.inspect(starter_model).chat_template
    assert own is not None
    assert templates.check(own).endswith("<|im_start|>assistant\n")
    shown = templates.check(LLAMA3, bos="<|begin_of_text|>")
    assert shown.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>")


def test_the_engine_memory_cap_fits_the_model_and_skips_gpu_offload(starter_model: Path) -> None:
    from hushdesk.engine.sizing import ENGINE_MEMORY_MARGIN, memory_cap
    from hushdesk.engine.types import LoadSpec

    info = gguf_info.read_metadata(str(starter_model))
    small = memory_cap(LoadSpec(str(starter_model), n_ctx=2048), info, on_gpu=False)
    large = memory_cap(LoadSpec(str(starter_model), n_ctx=8192), info, on_gpu=False)
    assert small is not None
    assert large is not None
    assert info.size_bytes + ENGINE_MEMORY_MARGIN < small < large  # the context counts
    assert memory_cap(LoadSpec(str(starter_model)), info, on_gpu=True) is None


def test_the_kv_cache_size_is_read_from_the_gguf(starter_model: Path) -> None:
    info = gguf_info.read_metadata(str(starter_model))
    # SmolLM2-135M: 30 layers, 3 KV heads of 64 dimensions, keys and values in f16.
    assert info.kv_bytes_per_token == 30 * 3 * (64 + 64) * 2
