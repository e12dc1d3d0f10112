"""Typed settings, saved atomically as JSON under the config dir.

Unknown keys are ignored and wrong types fall back to defaults, so a settings file
from another version or edited by hand never stops the app from starting.

The personal ones (the user's default instructions, name, address and signature) are
never written to ``settings.json``: once the data is unlocked they go to an encrypted
file beside the other stores (``attach_private``). Saving writes only what this process
changed, over what is on disk, so the app and ``hushdesk`` running at the same time do
not undo each other's changes.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hushdesk import paths
from hushdesk.fsutil import atomic_write_json, locked, read_json

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
    n_gpu_layers: int = -2  # -2: as many layers as fit on the GPU; -1: all; 0: none
    load_timeout_s: float = 300.0
    inspect_timeout_s: float = 30.0
    stall_timeout_s: float = 120.0  # no progress for this long: the model child is restarted


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
class ApiSettings:
    token: str = ""  # the local API's bearer token (hushdesk serve); made on first use
    serve: bool = False  # the window serves the API (Settings → Local API) while open
    port: int = 5417


@dataclass
class ConnectionSettings:
    """A server the user added (``hushdesk connect add``, Models → Connections)."""

    url: str = ""  # its OpenAI-compatible base, …/v1
    token: str = ""
    ca_file: str | None = None  # a firm's own certificate authority (PEM)
    models: dict[str, int] = field(default_factory=dict)  # as last listed: id → context
    allow_unencrypted: bool = False  # http:// to another computer, asked for explicitly


@dataclass
class SharedLibrarySettings:
    """A library shared through a Chroma server (``hushdesk libraries add --server``)."""

    url: str = ""
    token: str = ""
    ca_file: str | None = None
    synced_at: float = 0.0  # when this computer's copy last matched the server
    published: dict[str, int] = field(default_factory=dict)  # own files sent (sha256)
    removals: dict[str, int] = field(default_factory=dict)  # removed here, not yet there
    allow_unencrypted: bool = False  # http:// to another computer, asked for explicitly


@dataclass
class EmailSettings:
    sender_name: str = ""
    sender_address: str = ""
    signature: str = ""  # under the closing of every draft; the name when empty

    def update(self, name: str, address: str, signature: str) -> None:
        self.sender_name, self.sender_address = name.strip(), address.strip()
        self.signature = signature.strip()


@dataclass
class SpeechSettings:
    """How recordings and dictation are heard (Settings → Speech, ``transcribe``)."""

    model: str = ""  # a faster-whisper model's folder; "": the bundled tiny.en
    language: str = ""  # a language code ("de"); "": detected (multilingual models)
    read_aloud: bool = False  # answers and drafts get a Read aloud control (offline voice)
    reading_speed: str = "normal"  # slower | normal | faster


@dataclass
class UiState:
    theme: str = "system"  # system | light | dark
    geometry: str | None = None  # Qt's saveGeometry(), base64
    splitter: str | None = None
    last_conversation: int | None = None  # in last_matter
    last_matter: str = "default"  # the matter the window had open
    lock_after_min: int = 15  # lock the data after this long with no input; 0: never
    welcomed: bool = False  # the welcome was shown (Help → Welcome opens it again)
    starter_banner: bool = True  # offer a capable model while the starter one answers
    quick_shortcut: str = "Ctrl+Alt+Space"  # opens Quick ask from any program; "": off
    selection_shortcut: str = "Ctrl+Alt+W"  # actions on selected text, any program; "": off
    paste_back: bool = False  # a selection action's result is pasted over the selection (X11)
    keep_in_tray: bool = False  # closing the window keeps Hushdesk running in the tray


@dataclass
class Settings:
    default_model: str | None = None
    system_prompt: str | None = None
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    models: dict[str, ModelOverrides] = field(default_factory=dict)
    ui: UiState = field(default_factory=UiState)
    email: EmailSettings = field(default_factory=EmailSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    connections: dict[str, ConnectionSettings] = field(default_factory=dict)
    shared: dict[str, SharedLibrarySettings] = field(default_factory=dict)  # by library name
    speech: SpeechSettings = field(default_factory=SpeechSettings)

    def for_model(self, model_id: str) -> ModelOverrides:
        return self.models.get(model_id, ModelOverrides())

    def save(self, path: Path | None = None) -> None:
        everything = dataclasses.asdict(self)
        private = {k: everything.pop(k) for k in PERSONAL}
        path = path or self.__dict__.get("_path") or paths.settings_file()
        with locked(path.with_name(path.name + ".lock")):
            self._save_changes(
                "_saved", everything, lambda: _public(read_json(path)), _json_writer(path)
            )
            box = self.__dict__.get("_box")
            if box is not None:
                self._save_changes("_saved_private", private, box.read, box.write)

    def _save_changes(
        self,
        baseline: str,
        current: dict[str, Any],
        read: Callable[[], Any],
        write: Callable[[dict[str, Any]], None],
    ) -> None:
        on_disk = read()
        merged = _apply(
            on_disk if isinstance(on_disk, dict) else {}, self.__dict__.get(baseline), current
        )
        write(merged)
        self.__dict__[baseline] = copy.deepcopy(current)

    def attach_private(self, box: PrivateFile) -> None:
        """Personal settings from the encrypted file from now on; those an older version
        left in ``settings.json`` move into it (and out of the clear file)."""
        self.__dict__["_box"] = box
        stored = box.read()
        if isinstance(stored, dict):
            loaded = _build(Settings, stored)
            for name in PERSONAL:
                if name in stored:
                    setattr(self, name, getattr(loaded, name))
            self.__dict__["_saved_private"] = {k: dataclasses.asdict(self)[k] for k in PERSONAL}
        else:
            self.save()


class PrivateFile(typing.Protocol):
    def read(self) -> Any: ...
    def write(self, data: Any) -> None: ...


PERSONAL = ("system_prompt", "email", "api", "connections", "shared")
_GONE = object()


def _apply(on_disk: dict[str, Any], before: Any, now: dict[str, Any]) -> dict[str, Any]:
    """``on_disk`` with the changes from ``before`` to ``now`` applied (everything when
    there is no ``before``); nested dictionaries are merged key by key."""
    if not isinstance(before, dict):
        return {**on_disk, **now}
    out = dict(on_disk)
    for key in before.keys() | now.keys():
        old, new = before.get(key, _GONE), now.get(key, _GONE)
        if old == new:
            continue
        if new is _GONE:
            out.pop(key, None)
        elif isinstance(old, dict) and isinstance(new, dict):
            there = out.get(key)
            out[key] = _apply(there if isinstance(there, dict) else {}, old, new)
        else:
            out[key] = new
    return out


def _public(raw: Any) -> Any:
    """What an older version wrote in the clear is left out of the next write."""
    return {k: v for k, v in raw.items() if k not in PERSONAL} if isinstance(raw, dict) else raw


def _json_writer(path: Path) -> Callable[[dict[str, Any]], None]:
    return lambda data: atomic_write_json(path, data)


def load(path: Path | None = None) -> Settings:
    path = path or paths.settings_file()
    raw = read_json(path)
    settings = _build(Settings, raw) if isinstance(raw, dict) else Settings()
    settings.__dict__["_path"] = path
    saved = dataclasses.asdict(settings)
    settings.__dict__["_saved"] = {k: v for k, v in saved.items() if k not in PERSONAL}
    return settings


# What a number in the file may be (a value outside falls back to the default, as a
# wrong type does): a hand-edited or damaged file must not hand the engine a context
# of 10^12 tokens or a negative timeout.
RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "top_k": (0, 1000),
    "min_p": (0.0, 1.0),
    "repeat_penalty": (0.5, 2.5),
    "max_tokens": (1, 131_072),
    "seed": (-1, 2**32 - 1),
    "n_ctx": (128, 2_097_152),
    "n_threads": (0, 1024),
    "n_batch": (1, 65_536),
    "n_gpu_layers": (-2, 100_000),
    "load_timeout_s": (1.0, 3600.0),
    "inspect_timeout_s": (1.0, 600.0),
    "stall_timeout_s": (10.0, 3600.0),
    "lock_after_min": (0, 1440),
}


def _in_range(name: str, value: Any) -> bool:
    bounds = RANGES.get(name)
    if bounds is None or not isinstance(value, int | float) or isinstance(value, bool):
        return True
    return bool(bounds[0] <= value <= bounds[1])  # NaN compares false: refused too


def _build(cls: type[T], raw: dict[str, Any]) -> T:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in raw:
            continue
        value = _coerce(hints[f.name], raw[f.name])
        if value is _INVALID or not _in_range(f.name, value):
            log.warning("Ignoring an invalid value for the setting %s.%s", cls.__name__, f.name)
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
