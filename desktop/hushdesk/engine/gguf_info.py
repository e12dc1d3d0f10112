"""Look inside a GGUF file before llama.cpp ever sees it.

llama.cpp aborts the whole process on some malformed files, so every file is
checked here first: a cheap header check in-process, then a full parse with the
``gguf`` package in a child process with a timeout. The result is cached by
(path, size, mtime), so a model is parsed once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hushdesk.errors import ModelError
from hushdesk.isolate import IsolatedFailure, run_isolated

log = logging.getLogger("hushdesk.engine")

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
# Architectures that are GGUF but not a text model one can chat with.
NOT_CHAT_MODELS = {
    "clip": "a vision projector (mmproj), not a language model",
    "mllama_vision": "a vision projector, not a language model",
    "wavtokenizer-dec": "an audio decoder, not a language model",
}
EMBEDDING_ARCHS = frozenset({"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "t5encoder"})


@dataclass(frozen=True)
class GGUFInfo:
    path: str
    size_bytes: int
    version: int
    architecture: str
    name: str
    n_params: int
    context_length: int
    block_count: int
    file_type: str
    has_chat_template: bool
    chat_template: str | None
    tokenizer_model: str
    is_embedding: bool
    general_type: str = "model"  # "adapter" for LoRA files
    kv_bytes_per_token: int = 0  # the KV cache in f16, every layer (0: not known)

    @property
    def summary(self) -> str:
        billions = self.n_params / 1e9
        size = f"{billions:.1f}B" if billions >= 1 else f"{self.n_params / 1e6:.0f}M"
        return f"{self.architecture} · {size} params · {self.file_type} · ctx {self.context_length}"


_cache: dict[tuple[str, int, int], GGUFInfo] = {}
_cache_lock = threading.Lock()


def inspect(path: str | Path, *, timeout_s: float = 30.0, chat: bool = True) -> GGUFInfo:
    """Validated metadata of a GGUF file, or a ``ModelError`` naming the file and the reason.

    With ``chat=True`` the file must also be a model one can chat with.
    """
    file = Path(path).expanduser()
    shown = file.name or str(file)
    try:
        stat = file.stat()
    except FileNotFoundError:
        raise ModelError(f"Model file not found: {file}") from None
    except OSError as exc:
        raise ModelError(f"Cannot read the model file {shown}: {exc.strerror}.") from exc
    if not file.is_file():
        raise ModelError(f"{shown} is not a file.")
    key = (str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        info = _cache.get(key)
    if info is None:
        _check_header(file, stat.st_size)
        try:
            # The reader maps the whole file; beyond that, 2 GiB for a header however big.
            limit = stat.st_size + (2 << 30)
            info = run_isolated(
                read_metadata, str(file), timeout_s=timeout_s, memory_limit_bytes=limit
            )
        except IsolatedFailure as exc:
            raise ModelError(
                f"Could not read the model file {shown}: the check {exc.message}. "
                "The file is probably damaged.",
                detail=exc.detail,
            ) from exc
        with _cache_lock:
            _cache[key] = info
    if chat:
        _check_chat_capable(info, shown)
    return info


def _check_header(file: Path, size: int) -> None:
    shown = file.name
    if size == 0:
        raise ModelError(f"{shown} is empty (0 bytes); the download or copy did not finish.")
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ModelError(f"Cannot read the model file {shown}: {exc.strerror}.") from exc
    if head[:4] != GGUF_MAGIC:
        raise ModelError(f"{shown} is not a GGUF model file ({_guess_format(head)}).")
    if len(head) < 8:
        raise ModelError(f"{shown} is truncated: it ends inside the GGUF header.")
    version = int.from_bytes(head[4:8], "little")
    if version not in SUPPORTED_VERSIONS:
        raise ModelError(
            f"{shown} uses GGUF version {version}, which this version of Hushdesk does not "
            f"support (supported: {', '.join(map(str, SUPPORTED_VERSIONS))})."
        )


def _guess_format(head: bytes) -> str:
    if head[:4] in (b"ggjt", b"ggml", b"ggmf", b"tjgg", b"lmgg"):
        return "it is an old GGML file; download the GGUF version of this model"
    if head[:2] == b"PK":
        return "it looks like a zip archive"
    if head[:4] == b"%PDF":
        return "it is a PDF document"
    if head[:1] in (b"{", b"<", b"#") or all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "it looks like a text file"
    return "unknown content"


def _check_chat_capable(info: GGUFInfo, shown: str) -> None:
    if info.general_type == "adapter":
        raise ModelError(f"{shown} is a LoRA adapter; attach it to a model in its settings.")
    if info.architecture in NOT_CHAT_MODELS:
        raise ModelError(f"{shown} is {NOT_CHAT_MODELS[info.architecture]}.")
    if info.is_embedding:
        raise ModelError(f"{shown} is an embedding model ({info.architecture}); it cannot chat.")
    if not info.tokenizer_model:
        raise ModelError(f"{shown} has no tokenizer, so it cannot be used for chat.")


def read_metadata(path: str) -> GGUFInfo:
    """Parse the whole header and tensor table. Runs in a child process."""
    from gguf import GGUFReader, LlamaFileType

    shown = Path(path).name
    try:
        reader = GGUFReader(path, "r")
    except Exception as exc:
        raise ModelError(
            f"{shown} is damaged or truncated: its GGUF structure cannot be read "
            f"({type(exc).__name__}). An unfinished download looks like this.",
            detail=repr(exc),
        ) from exc
    size = Path(path).stat().st_size
    end = max((int(t.data_offset) + int(t.n_bytes) for t in reader.tensors), default=0)
    if end > size:
        raise ModelError(
            f"{shown} is truncated: it should be at least {end:,} bytes but is {size:,}. "
            "The download or copy did not finish."
        )
    if not reader.tensors:
        raise ModelError(f"{shown} contains no tensors; it is not a usable model.")

    def field(key: str, default: Any = None) -> Any:
        f = reader.fields.get(key)
        if f is None:
            return default
        try:
            return f.contents()
        except Exception:
            return default

    arch = field("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelError(f"{shown} does not say which model architecture it is; it is damaged.")
    file_type = field("general.file_type")
    try:
        file_type_name = LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_")
    except (TypeError, ValueError):
        file_type_name = "unknown"
    template = field("tokenizer.chat_template")
    return GGUFInfo(
        path=path,
        size_bytes=size,
        version=int(field("GGUF.version", 0)),
        architecture=arch,
        name=str(field("general.name", "") or Path(path).stem),
        n_params=sum(int(t.n_elements) for t in reader.tensors),
        context_length=int(field(f"{arch}.context_length", 0) or 0),
        block_count=int(field(f"{arch}.block_count", 0) or 0),
        file_type=file_type_name,
        has_chat_template=isinstance(template, str) and bool(template.strip()),
        chat_template=template if isinstance(template, str) else None,
        tokenizer_model=str(field("tokenizer.ggml.model", "") or ""),
        is_embedding=arch in EMBEDDING_ARCHS,
        general_type=str(field("general.type", "model") or "model"),
        kv_bytes_per_token=_kv_bytes_per_token(field, arch),
    )


def _kv_bytes_per_token(field: Any, arch: str) -> int:
    """Keys and values of one token in f16, summed over the layers; head counts may be
    one number or one per layer."""
    try:
        layers = int(field(f"{arch}.block_count", 0) or 0)
        heads = field(f"{arch}.attention.head_count", 0) or 0
        kv_heads = field(f"{arch}.attention.head_count_kv", heads) or heads
        most_heads = max(heads) if isinstance(heads, list) else int(heads)
        width = int(field(f"{arch}.embedding_length", 0) or 0)
        key = int(field(f"{arch}.attention.key_length", 0) or (width // max(most_heads, 1)))
        value = int(field(f"{arch}.attention.value_length", 0) or key)
        total_kv_heads = sum(kv_heads) if isinstance(kv_heads, list) else layers * int(kv_heads)
    except (TypeError, ValueError):
        return 0
    return total_kv_heads * (key + value) * 2
