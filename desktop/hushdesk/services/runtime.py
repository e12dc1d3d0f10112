"""The model runtime: which chat model answers, how it is loaded and with which
sampling, and the clients of the servers the user added. Every service that talks to a
model goes through it.

The local engine is one, shared by every front end; it orders their calls itself
(``engine.shared``). ``engine_for(model)`` gives a request its model's seat on it, or
that model's server."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk import endpoints
from hushdesk.engine.base import Engine
from hushdesk.engine.shared import SharedEngine
from hushdesk.engine.types import LoadSpec, ModelInfo, SamplingParams
from hushdesk.errors import ModelError
from hushdesk.models import bundled
from hushdesk.models.registry import InstalledModel, Registry
from hushdesk.settings import ModelOverrides, Settings

if TYPE_CHECKING:
    from hushdesk.engine.remote import RemoteEngine
    from hushdesk.engine.server import Remote

log = logging.getLogger("hushdesk.runtime")


class ModelRuntime:
    def __init__(self, settings: Settings, registry: Registry, engine: Engine | None = None):
        self.settings = settings
        self.registry = registry
        self.shared = SharedEngine(self._start_local, engine)
        self._remotes: dict[str, Remote] = {}  # servers the user added, by name
        self._remote_engines: dict[str, RemoteEngine] = {}  # their models, by id
        self._retired: list[Remote] = []  # clients replaced while conversations held them
        self._engine_lock = threading.Lock()

    def _start_local(self) -> Engine:
        from hushdesk.engine.local import LocalEngine

        e = self.settings.engine
        return LocalEngine(
            load_timeout_s=e.load_timeout_s,
            inspect_timeout_s=e.inspect_timeout_s,
            stall_timeout_s=e.stall_timeout_s,
        )

    @property
    def engine(self) -> Engine:
        """The local engine itself (a child process, started on first use)."""
        return self.shared.engine

    @property
    def loaded(self) -> ModelInfo | None:
        """What the engine has loaded (path, context, load time), if anything."""
        engine = self.shared.started
        return engine.model if engine is not None else None

    def waited(self) -> float:
        """Seconds this thread has waited for the local model's turns (a request's own
        thread: how long it queued behind the app's other users)."""
        return self.shared.turns.waited()

    def loaded_as(self, model: InstalledModel) -> ModelInfo | None:
        """What the engine has loaded, if that is ``model`` (another request may have
        loaded another one since); a server's model once its context size is known."""
        if model.remote:
            return self.engine_for(model).model
        spec = self.shared.loaded
        return self.loaded if spec is not None and spec.model_path == model.path else None

    def chat_model(self, model: str | None = None) -> InstalledModel:
        """The model to chat with: an id (``CONNECTION/MODEL`` for a server's), a path to
        a GGUF file, or the default."""
        if model:
            found = self.registry.get(model) or self.remote_model(model)
            if found is not None:
                return found
            path = Path(model).expanduser()
            if path.suffix.lower() == ".gguf" or path.exists():
                return InstalledModel(
                    id=str(path.resolve()),
                    name=path.name,
                    kind="llm",
                    path=str(path),
                    source="import",
                )
            raise ModelError(f"No installed model is called {model!r} and no such file exists.")
        candidates = self.registry.list("llm")
        default = self.settings.default_model
        remote = self.remote_model(default) if default else None
        if remote is not None:
            return remote
        for candidate in candidates:
            if candidate.id == default and candidate.available:
                return candidate
        for candidate in candidates:
            if candidate.available:
                return candidate
        raise ModelError(bundled.MISSING_CHAT_MODEL)

    def chat_models(self) -> list[InstalledModel]:
        """Installed chat models whose files are there, then the models of the servers
        the user added, as last listed (the choices in a model menu)."""
        local = [m for m in self.registry.list("llm") if m.available]
        return local + [
            self._remote_entry(name, model_id)
            for name, connection in sorted(self.settings.connections.items())
            for model_id in connection.models
        ]

    def remote_model(self, model_id: str) -> InstalledModel | None:
        """``CONNECTION/MODEL`` as a model, when CONNECTION is a server the user added."""
        name, sep, model = model_id.partition("/")
        if not sep or not model or name not in self.settings.connections:
            return None
        return self._remote_entry(name, model)

    def _remote_entry(self, name: str, model: str) -> InstalledModel:
        from hushdesk.engine.server import Endpoint

        connection = self.settings.connections[name]
        host = Endpoint(name, connection.url).host
        return InstalledModel(
            id=f"{name}/{model}",
            name=model,
            kind="llm",
            path="",
            source="remote",
            details={"connection": name, "host": host, "n_ctx": connection.models.get(model, 0)},
        )

    def remote(self, name: str) -> Remote:
        """The client of the server ``name`` (made once; dropped when it changes)."""
        from hushdesk.engine.server import Endpoint, Remote

        with self._engine_lock:
            client = self._remotes.get(name)
            if client is None:
                connection = self.settings.connections.get(name)
                if connection is None:
                    raise ModelError(f"No server is called {name!r}; see `hushdesk connect list`.")
                # A connection saved before plain http:// was refused is held to it too.
                endpoints.require_allowed(
                    connection.url, allow_unencrypted=connection.allow_unencrypted
                )
                endpoint = Endpoint(name, connection.url, connection.token, connection.ca_file)
                client = self._remotes[name] = Remote(endpoint)
            return client

    def connections_changed(self, name: str) -> None:
        """A server was added, changed or removed: its client and engines are made anew
        for new conversations (open ones keep theirs until they change model)."""
        with self._engine_lock:
            client = self._remotes.pop(name, None)
            if client is not None:
                self._retired.append(client)  # closed with the runtime
            for model_id in [m for m in self._remote_engines if m.startswith(f"{name}/")]:
                del self._remote_engines[model_id]

    def chat_model_or(self, model: str | None) -> InstalledModel:
        """``model`` if it can still be used, else the default (a conversation's model
        may have been removed since)."""
        try:
            return self.chat_model(model)
        except ModelError:
            return self.chat_model()

    def load_spec(self, model: InstalledModel) -> LoadSpec:
        e, o = self.settings.engine, self.settings.for_model(model.id)
        return LoadSpec(
            model_path=model.path,
            n_ctx=o.n_ctx or e.n_ctx,
            n_threads=o.n_threads if o.n_threads is not None else e.n_threads,
            n_batch=e.n_batch,
            n_gpu_layers=o.n_gpu_layers if o.n_gpu_layers is not None else e.n_gpu_layers,
            chat_template=o.chat_template,
            lora_path=o.lora_path,
            mmproj_path=model.details.get("mmproj"),
        )

    def sampling(self, model: InstalledModel | None = None, **overrides: object) -> SamplingParams:
        """The settings' sampling, the model's own overrides, then ``overrides`` (a
        conversation's, a command's); ``None`` values are ignored."""
        s = self.settings.sampling
        o = self.settings.for_model(model.id) if model else ModelOverrides()

        def pick(own: object, default: object) -> object:
            return own if own is not None else default

        values: dict[str, object] = {
            "temperature": pick(o.temperature, s.temperature),
            "top_p": pick(o.top_p, s.top_p),
            "top_k": s.top_k,
            "min_p": s.min_p,
            "repeat_penalty": pick(o.repeat_penalty, s.repeat_penalty),
            "max_tokens": s.max_tokens,
            "seed": s.seed,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return SamplingParams(**values)  # type: ignore[arg-type]

    def engine_for(self, model: InstalledModel) -> Engine:
        """The engine for ``model``'s requests: the local one, taking turns with everyone
        else's; a server's model, on that server (which serves requests side by side)."""
        if not model.remote:
            return self.shared.seat(lambda: self.load_spec(model))
        from hushdesk.engine.remote import RemoteEngine

        name = str(model.details["connection"])
        client = self.remote(name)
        with self._engine_lock:
            engine = self._remote_engines.get(model.id)
            if engine is None:
                engine = self._remote_engines[model.id] = RemoteEngine(client, model.name)
            return engine

    def ensure_loaded(self, model: InstalledModel) -> ModelInfo:
        """Load ``model`` unless it is already loaded with the same settings (in turn:
        never under a request that is answering). A server's model: its context size."""
        if model.remote:
            return self.engine_for(model).load(LoadSpec(model.id))
        return self.shared.ensure_loaded(self.load_spec(model))

    def settings_changed(self) -> None:
        """A model's settings changed: the next answer reloads it."""
        self.shared.forget()

    def stop(self) -> None:
        """Stop the answers being written (kept, marked as stopped), here and on servers."""
        for engine in self._engines():
            engine.stop()

    def kill(self) -> None:
        """Abort the engines' current work without waiting for it (shutdown)."""
        for engine in self._engines():
            engine.kill()

    def _engines(self) -> list[Engine]:
        local = self.shared.started
        with self._engine_lock:
            return [*([local] if local is not None else []), *self._remote_engines.values()]

    def close(self) -> None:
        with self._engine_lock:
            remotes, self._remotes = [*self._remotes.values(), *self._retired], {}
            self._retired = []
            self._remote_engines = {}
        for client in remotes:
            client.close()
        self.shared.close()
