"""Installed models: what is on this machine and usable, kept in ``models.json``."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hushdesk import assets, paths
from hushdesk.fsutil import atomic_write_json, locked, read_json

log = logging.getLogger("hushdesk.models")

Kind = Literal["llm", "embedding", "speech"]
Source = Literal["bundled", "download", "import", "remote"]  # remote: a connection's


@dataclass
class InstalledModel:
    id: str
    name: str
    kind: Kind
    path: str
    source: Source
    size_bytes: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    original_name: str = ""  # the name it came with, once the user renamed it

    @property
    def renamed(self) -> bool:
        return bool(self.original_name)

    @property
    def available(self) -> bool:
        return self.remote or Path(self.path).exists()

    @property
    def remote(self) -> bool:
        """A model of a server the user added (``details``: connection, host)."""
        return self.source == "remote"

    @property
    def where(self) -> str:
        """Where its words are computed: "this computer", or the server's host."""
        return str(self.details.get("host", "?")) if self.remote else "this computer"

    @property
    def prompt_family(self) -> str:
        """Which family's prompts it gets (``resources/prompts/families.toml``)."""
        # by the name it came with: "My assistant" is still a Llama
        name = self.original_name or self.name
        return assets.family_of(name, self.id, str(self.details.get("architecture", "")))


class Registry:
    """A small JSON file shared by every Hushdesk process (the app, the command line).

    Reads notice when another process changed the file; each change re-reads the file
    under a lock first, so two processes never drop each other's models.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.registry_file()
        self._lock = threading.RLock()
        self._models: dict[str, InstalledModel] = {}
        self._stamp: tuple[int, int] | None = None
        self._refresh()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp and self._models:
            return
        raw = read_json(self.path)
        entries = raw.get("models", []) if isinstance(raw, dict) else []
        names = {f.name for f in dataclasses.fields(InstalledModel)}
        models: dict[str, InstalledModel] = {}
        for entry in entries:
            try:
                model = InstalledModel(**{k: v for k, v in entry.items() if k in names})
            except TypeError:
                log.warning("skipping a malformed registry entry")
                continue
            models[model.id] = model
        self._models, self._stamp = models, stamp

    @contextlib.contextmanager
    def _change(self) -> Iterator[dict[str, InstalledModel]]:
        with self._lock, locked(self.path.with_name(self.path.name + ".lock")):
            self._stamp = None
            self._refresh()
            yield self._models
            atomic_write_json(
                self.path,
                {"version": 1, "models": [dataclasses.asdict(m) for m in self._models.values()]},
            )
            self._stamp = self._file_stamp()

    def list(self, kind: Kind | None = None) -> list[InstalledModel]:
        with self._lock:
            self._refresh()
            return [m for m in self._models.values() if kind is None or m.kind == kind]

    def get(self, model_id: str) -> InstalledModel | None:
        with self._lock:
            self._refresh()
            return self._models.get(model_id)

    def add(self, model: InstalledModel) -> None:
        with self._change() as models:
            models[model.id] = model

    def remove(self, model_id: str) -> InstalledModel | None:
        with self._change() as models:
            return models.pop(model_id, None)

    def rename(self, model_id: str, name: str) -> InstalledModel | None:
        """Show the model under ``name`` (its id, file and settings stay); the name it
        came with is kept, for its prompts and to go back to. None: no such model."""
        with self._change() as models:
            model = models.get(model_id)
            if model is None:
                return None
            original = model.original_name or model.name
            renamed = dataclasses.replace(
                model, name=name, original_name="" if name == original else original
            )
            models[model_id] = renamed
            return renamed

    def replace_all(self, models: Iterable[InstalledModel]) -> None:
        """The whole list, as given (the wipe keeps only what is not the user's)."""
        with self._change() as listed:
            listed.clear()
            listed.update((m.id, m) for m in models)
