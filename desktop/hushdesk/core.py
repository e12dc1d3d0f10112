"""The app's core, wired once and shared by the CLI and the GUI.

Holds settings, the model registry and the engine; knows which model to use and
with which parameters. Nothing here imports a GUI toolkit.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk import settings as settings_mod
from hushdesk.engine.base import Engine
from hushdesk.engine.types import LoadSpec, ModelInfo, SamplingParams
from hushdesk.errors import ModelError
from hushdesk.models import bundled
from hushdesk.models.registry import InstalledModel, Registry

if TYPE_CHECKING:
    from hushdesk.assistant.drafts import Drafts
    from hushdesk.assistant.summaries import Summaries
    from hushdesk.library.service import DocumentLibrary
    from hushdesk.models.manager import ModelManager

log = logging.getLogger("hushdesk.core")


class Core:
    def __init__(
        self,
        settings: settings_mod.Settings | None = None,
        registry: Registry | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings if settings is not None else settings_mod.load()
        self.registry = registry if registry is not None else Registry()
        bundled.ensure_registered(self.registry)
        self._engine = engine
        self._engine_lock = threading.Lock()
        self._loaded_key: tuple[str, LoadSpec] | None = None
        self._models: ModelManager | None = None
        self._documents: DocumentLibrary | None = None
        self._summaries: Summaries | None = None
        self._drafts: Drafts | None = None

    @property
    def documents(self) -> DocumentLibrary:
        """Document libraries (opened on first use; heavy parts load later still)."""
        if self._documents is None:
            from hushdesk.library.service import DocumentLibrary

            self._documents = DocumentLibrary(self.registry)
        return self._documents

    @property
    def summaries(self) -> Summaries:
        """Summaries and their jobs (opened on first use)."""
        if self._summaries is None:
            from hushdesk.assistant.summaries import Summaries

            self._summaries = Summaries(self)
        return self._summaries

    @property
    def drafts(self) -> Drafts:
        """Email drafts, templates and writing history (opened on first use)."""
        if self._drafts is None:
            from hushdesk.assistant.drafts import Drafts

            self._drafts = Drafts(self)
        return self._drafts

    @property
    def models(self) -> ModelManager:
        from hushdesk.models import catalog
        from hushdesk.models.manager import ModelManager

        if self._models is None:
            self._models = ModelManager(self.registry, catalog.load())
        return self._models

    def set_default_model(self, model_id: str) -> None:
        model = self.registry.get(model_id)
        if model is None or model.kind != "llm":
            raise ModelError(f"No installed chat model is called {model_id!r}.")
        self.settings.default_model = model_id
        self.settings.save()

    def save_model_settings(self, model_id: str, overrides: settings_mod.ModelOverrides) -> None:
        """Check, then keep, a model's own settings. Slow (reads the adapter): off the GUI
        thread. A bad chat template or adapter is refused with a clear message."""
        from hushdesk.engine import gguf_info, templates
        from hushdesk.isolate import run_isolated

        model = self.registry.get(model_id)
        if model is None:
            raise ModelError(f"No installed model is called {model_id!r}.")
        if overrides.chat_template:
            # A template is code: a hostile one could loop or eat memory. Try it apart.
            run_isolated(templates.validate, overrides.chat_template, timeout_s=5,
                         memory_limit_bytes=4 << 30)  # fmt: skip
        if overrides.lora_path:
            adapter = gguf_info.inspect(overrides.lora_path, chat=False)
            base = gguf_info.inspect(model.path)
            name = Path(overrides.lora_path).name
            if adapter.general_type != "adapter":
                raise ModelError(f"{name} is not a LoRA adapter.")
            if adapter.architecture != base.architecture:
                raise ModelError(
                    f"{name} was made for {adapter.architecture} models; {model.name} is "
                    f"{base.architecture}."
                )
        self.settings.models[model_id] = overrides
        self.settings.save()
        self._loaded_key = None  # the next answer reloads with the new settings

    @property
    def engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                from hushdesk.engine.local import LocalEngine

                e = self.settings.engine
                self._engine = LocalEngine(
                    load_timeout_s=e.load_timeout_s, inspect_timeout_s=e.inspect_timeout_s
                )
            return self._engine

    def chat_model(self, model: str | None = None) -> InstalledModel:
        """The model to chat with: an id, a path to a GGUF file, or the default."""
        if model:
            found = self.registry.get(model)
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
        for candidate in candidates:
            if candidate.id == default and candidate.available:
                return candidate
        for candidate in candidates:
            if candidate.available:
                return candidate
        raise ModelError(bundled.MISSING_CHAT_MODEL)

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
        s = self.settings.sampling
        o = self.settings.for_model(model.id) if model else settings_mod.ModelOverrides()
        values: dict[str, object] = {
            "temperature": o.temperature if o.temperature is not None else s.temperature,
            "top_p": o.top_p if o.top_p is not None else s.top_p,
            "top_k": s.top_k,
            "min_p": s.min_p,
            "repeat_penalty": o.repeat_penalty
            if o.repeat_penalty is not None
            else s.repeat_penalty,
            "max_tokens": s.max_tokens,
            "seed": s.seed,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return SamplingParams(**values)  # type: ignore[arg-type]

    def ensure_loaded(self, model: InstalledModel) -> ModelInfo:
        """Load ``model`` unless it is already loaded with the same settings."""
        spec = self.load_spec(model)
        engine = self.engine
        if self._loaded_key == (model.id, spec) and engine.model is not None:
            return engine.model
        info = engine.load(spec)
        self._loaded_key = (model.id, spec)
        return info

    def kill_engine(self) -> None:
        """Abort the engine's current work without waiting for it (shutdown)."""
        if self._engine is not None:
            self._engine.kill()

    def close(self) -> None:
        if self._drafts is not None:
            self._drafts.close()
            self._drafts = None
        if self._summaries is not None:
            self._summaries.store.close()
            self._summaries = None
        if self._documents is not None:
            self._documents.store.close()
            self._documents = None
        with self._engine_lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None
