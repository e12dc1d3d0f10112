"""Typed settings, saved atomically as JSON under the config dir.

Unknown keys are ignored and wrong types fall back to defaults, so a settings file
from another version or edited by hand never stops the app from starting.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hushdesk import paths
from hushdesk.fsutil import atomic_write_json, read_json

log = logging.getLogger("hushdesk.settings")

T = TypeVar("T")


@dataclass
class SamplingSettings:
    """The one place for sampling defaults (the engine's request type takes them too)."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int = 1024
    seed: int = -1


@dataclass
class EngineSettings:
    n_ctx: int = 4096  # capped by the model's own training context
    n_threads: int = 0  # 0: chosen for this machine
    n_batch: int = 512
    n_gpu_layers: int = 0
    load_timeout_s: float = 300.0
    inspect_timeout_s: float = 30.0


@dataclass
class ModelOverrides:
    """Per-model settings; ``None`` means "use the global value"."""

    n_ctx: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    repeat_penalty: float | None = None
    n_gpu_layers: int | None = None
    n_threads: int | None = None
    chat_template: str | None = None
    lora_path: str | None = None


@dataclass
class EmailSettings:
    sender_name: str = ""
    sender_address: str = ""
    signature: str = ""  # under the closing of every draft; the name when empty

    def update(self, name: str, address: str, signature: str) -> None:
        self.sender_name, self.sender_address = name.strip(), address.strip()
        self.signature = signature.strip()


@dataclass
class UiState:
    theme: str = "system"  # system | light | dark
    geometry: str | None = None  # Qt's saveGeometry(), base64
    splitter: str | None = None
    last_conversation: int | None = None


@dataclass
class Settings:
    default_model: str | None = None
    system_prompt: str | None = None
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    models: dict[str, ModelOverrides] = field(default_factory=dict)
    ui: UiState = field(default_factory=UiState)
    email: EmailSettings = field(default_factory=EmailSettings)

    def save(self, path: Path | None = None) -> None:
        atomic_write_json(path or paths.settings_file(), dataclasses.asdict(self))

    def for_model(self, model_id: str) -> ModelOverrides:
        return self.models.get(model_id, ModelOverrides())


def load(path: Path | None = None) -> Settings:
    raw = read_json(path or paths.settings_file())
    if not isinstance(raw, dict):
        return Settings()
    return _build(Settings, raw)


def _build(cls: type[T], raw: dict[str, Any]) -> T:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in raw:
            continue
        value = _coerce(hints[f.name], raw[f.name])
        if value is _INVALID:
            log.warning("Ignoring invalid setting %s.%s=%r", cls.__name__, f.name, raw[f.name])
            continue
        kwargs[f.name] = value
    return cls(**kwargs)


_INVALID = object()


def _coerce(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(args[0], value)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value) if isinstance(value, dict) else _INVALID  # type: ignore[arg-type]
    if origin is dict:
        _, value_type = typing.get_args(tp)
        if not isinstance(value, dict):
            return _INVALID
        out = {str(k): _coerce(value_type, v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _INVALID}
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is bool and isinstance(value, bool):
        return value
    if tp is str and isinstance(value, str):
        return value
    return _INVALID
