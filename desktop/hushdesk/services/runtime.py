"""The model runtime: the engine, which chat model answers, how it is loaded and with
which sampling. Every service that talks to a model goes through it.

One model answers one request at a time, and every front end shares it (the window's
chat, a summary, the local API's clients): ``engine_for(model)`` gives each its own view
of the engine, whose requests wait their turn in arrival order (``Turns``), load their
own model when another one was used meanwhile, and can be stopped one by one."""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk import endpoints
from hushdesk.engine.base import ChatStream, Engine, Stopper
from hushdesk.engine.types import ChatResult, LoadSpec, Message, ModelInfo, SamplingParams
from hushdesk.errors import ModelError
from hushdesk.models import bundled
from hushdesk.models.registry import InstalledModel, Registry
from hushdesk.settings import ModelOverrides, Settings

if TYPE_CHECKING:
    from hushdesk.engine.remote import Remote, RemoteEngine

log = logging.getLogger("hushdesk.runtime")


class Turns:
    """The model's turns: first come, first served (a plain lock lets any waiter in).

    Re-entrant on the thread that holds it; the holder may let go from another thread
    (a stream finished by the garbage collector)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[int] = deque()
        self._tickets = itertools.count()
        self._owner: int | None = None  # the thread holding the turn
        self._depth = 0

    @contextmanager
    def turn(self, abandon: Callable[[], bool] = lambda: False) -> Iterator[bool]:
        """The model's turn (True), or False when ``abandon()`` came true while waiting
        (who makes it true calls ``wake``)."""
        got = self.acquire(abandon)
        try:
            yield got
        finally:
            if got:
                self.release()

    def acquire(self, abandon: Callable[[], bool] = lambda: False) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return True
            ticket = next(self._tickets)
            self._queue.append(ticket)
            try:
                self._cond.wait_for(
                    lambda: abandon() or (self._depth == 0 and self._queue[0] == ticket)
                )
                if not (self._depth == 0 and self._queue[0] == ticket):
                    return False  # abandoned while waiting
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()  # the next in line may be first now
            self._owner, self._depth = me, 1
            return True

    def wake(self) -> None:
        """Waiters look again at whether they are abandoned."""
        with self._cond:
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)


class ModelEngine:
    """The engine as one model sees it (``Engine``): every call waits for the model's
    turn and loads this model first if another one answered meanwhile."""

    def __init__(self, runtime: ModelRuntime, model: InstalledModel) -> None:
        self.runtime, self.installed = runtime, model

    @property
    def model(self) -> ModelInfo | None:
        return self.runtime.ensure_loaded(self.installed)

    def load(self, spec: LoadSpec) -> ModelInfo:
        return self.runtime.ensure_loaded(self.installed)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        with self.runtime.turns.turn():
            self.runtime.ensure_loaded(self.installed)
            return self.runtime.engine.count_tokens(messages)

    def chat(self, messages: Sequence[Message], params: SamplingParams) -> ChatStream:
        result, stopper = ChatResult(), Stopper()
        return ChatStream(
            self._stream(list(messages), params, result, stopper), result, stopper.stop
        )

    @contextmanager
    def hold(self, stopper: Stopper) -> Iterator[bool]:
        """The model's turn for several calls of one answer (a count, then the answer):
        True, or False when ``stopper`` stopped while it waited (it ends the wait)."""
        turns = self.runtime.turns
        stopper.on_stop = turns.wake
        with turns.turn(lambda: stopper.stopped) as got:
            yield got

    def _stream(
        self, messages: list[Message], params: SamplingParams, result: ChatResult, stopper: Stopper
    ) -> Iterator[str]:
        with self.hold(stopper) as got:
            if not got or stopper.stopped:  # stopped while it waited: it never begins
                result.stats.finish_reason = "cancelled"
                return
            self.runtime.ensure_loaded(self.installed)
            inner = stopper.begin(self.runtime.engine.chat(messages, params))
            try:
                yield from inner
            finally:
                inner.close()
                result.text, result.stats = inner.result.text, inner.result.stats

    def stop(self) -> None:
        """Stop whatever the model is writing (``ChatStream.stop`` stops one answer)."""
        self.runtime.stop()

    def kill(self) -> None:
        self.runtime.kill()

    def close(self) -> None:
        """The runtime owns the engine; nothing to close here."""


class ModelRuntime:
    def __init__(self, settings: Settings, registry: Registry, engine: Engine | None = None):
        self.settings = settings
        self.registry = registry
        self.turns = Turns()
        self._remotes: dict[str, Remote] = {}  # servers the user added, by name
        self._remote_engines: dict[str, RemoteEngine] = {}  # their models, by id
        self._retired: list[Remote] = []  # clients replaced while conversations held them
        self._engine = engine
        self._engine_lock = threading.Lock()
        self._loaded_key: tuple[str, LoadSpec] | None = None

    @property
    def engine(self) -> Engine:
        """The engine (a local child process, started on first use)."""
        with self._engine_lock:
            if self._engine is None:
                from hushdesk.engine.local import LocalEngine

                e = self.settings.engine
                self._engine = LocalEngine(
                    load_timeout_s=e.load_timeout_s,
                    inspect_timeout_s=e.inspect_timeout_s,
                    stall_timeout_s=e.stall_timeout_s,
                )
            return self._engine

    @property
    def loaded(self) -> ModelInfo | None:
        """What the engine has loaded (path, context, load time), if anything."""
        return self._engine.model if self._engine is not None else None

    def loaded_as(self, model: InstalledModel) -> ModelInfo | None:
        """What the engine has loaded, if that is ``model`` (another request may have
        loaded another one since); a server's model once its context size is known."""
        if model.remote:
            return self.engine_for(model).model
        key = self._loaded_key
        return self.loaded if key is not None and key[0] == model.id else None

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
        from hushdesk.engine.remote import Endpoint

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
        from hushdesk.engine.remote import Endpoint, Remote

        with self._engine_lock:
            client = self._remotes.get(name)
            if client is None:
                connection = self.settings.connections.get(name)
                if connection is None:
                    raise ModelError(f"No server is called {name!r}; see `hushdesk connect list`.")
                # A connection saved before plain http:// was refused is held to it too.
                endpoints.require_encrypted(
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
            return ModelEngine(self, model)
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
        spec = self.load_spec(model)
        with self.turns.turn():
            engine = self.engine
            if self._loaded_key == (model.id, spec) and engine.model is not None:
                return engine.model
            info = engine.load(spec)
            self._loaded_key = (model.id, spec)
            return info

    def settings_changed(self) -> None:
        """A model's settings changed: the next answer reloads it."""
        self._loaded_key = None

    def stop(self) -> None:
        """Stop the answers being written (kept, marked as stopped), here and on servers."""
        for engine in self._engines():
            engine.stop()

    def kill(self) -> None:
        """Abort the engines' current work without waiting for it (shutdown)."""
        for engine in self._engines():
            engine.kill()

    def _engines(self) -> list[Engine]:
        with self._engine_lock:
            local = [self._engine] if self._engine is not None else []
            return [*local, *self._remote_engines.values()]

    def close(self) -> None:
        with self._engine_lock:
            remotes, self._remotes = [*self._remotes.values(), *self._retired], {}
            self._retired = []
            self._remote_engines = {}
        for client in remotes:
            client.close()
        with self._engine_lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None
