"""Installed models: what is on this machine and usable, kept in ``models.json``."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hushdesk import paths
from hushdesk.fsutil import atomic_write_json, read_json

log = logging.getLogger("hushdesk.models")

Kind = Literal["llm", "embedding"]
Source = Literal["bundled", "download", "import"]


@dataclass
class InstalledModel:
    id: str
    name: str
    kind: Kind
    path: str
    source: Source
    size_bytes: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return Path(self.path).exists()


class Registry:
    """A small JSON file; every change is saved atomically at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.registry_file()
        self._lock = threading.Lock()
        self._models: dict[str, InstalledModel] = {}
        self._read()

    def _read(self) -> None:
        raw = read_json(self.path)
        entries = raw.get("models", []) if isinstance(raw, dict) else []
        names = {f.name for f in dataclasses.fields(InstalledModel)}
        for entry in entries:
            try:
                model = InstalledModel(**{k: v for k, v in entry.items() if k in names})
            except TypeError:
                log.warning("skipping a malformed registry entry: %r", entry)
                continue
            self._models[model.id] = model

    def _save(self) -> None:
        atomic_write_json(
            self.path,
            {"version": 1, "models": [dataclasses.asdict(m) for m in self._models.values()]},
        )

    def list(self, kind: Kind | None = None) -> list[InstalledModel]:
        with self._lock:
            return [m for m in self._models.values() if kind is None or m.kind == kind]

    def get(self, model_id: str) -> InstalledModel | None:
        with self._lock:
            return self._models.get(model_id)

    def add(self, model: InstalledModel) -> None:
        with self._lock:
            self._models[model.id] = model
            self._save()

    def remove(self, model_id: str) -> InstalledModel | None:
        with self._lock:
            model = self._models.pop(model_id, None)
            if model is not None:
                self._save()
            return model
