"""Models: what is installed, the catalog with advice for this computer, downloads
(plan, install, pause, resume, cancel), imports, renaming, removal, the default chat
model and each model's own settings. Shared by the Models page and ``hushdesk models``. Every
step that touches the network or parses a model file is slow: call these off the GUI
thread.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from hushdesk import paths, policy
from hushdesk.engine import gguf_info, templates
from hushdesk.errors import DownloadError, HushdeskError, ModelError
from hushdesk.isolate import run_isolated
from hushdesk.jobs import ProgressCallback
from hushdesk.models import download, hardware, hub, importers
from hushdesk.models.catalog import Catalog, CatalogFile, CatalogModel, CatalogSpeech
from hushdesk.models.download import DownloadControl, DownloadJob
from hushdesk.models.hardware import GB, READABLE_TOKENS_PER_S, Fit, Machine, Recommendation
from hushdesk.models.importers import Found
from hushdesk.models.registry import InstalledModel, Kind, Registry
from hushdesk.services.runtime import ModelRuntime
from hushdesk.settings import ModelOverrides, Settings
from hushdesk.speech import models as speech_models

__all__ = [
    "GB",
    "READABLE_TOKENS_PER_S",
    "CatalogModel",
    "CatalogSpeech",
    "DownloadControl",
    "DownloadJob",
    "Fit",
    "InstalledModel",
    "Machine",
    "ModelOverrides",
    "Models",
    "Recommendation",
    "clean_name",
    "installed_id",
]

_KINDS: dict[str, Kind] = {"llm": "llm", "embedding": "embedding", "speech": "speech"}
IMPORT_SOURCES = {"ollama": "Ollama", "lmstudio": "LM Studio"}
MAX_NAME_CHARS = 80

log = logging.getLogger("hushdesk.models")


def installed_id(model: CatalogModel, quantization: str) -> str:
    return f"{model.id}-{quantization.lower()}"


def clean_name(text: str) -> str:
    """A name as typed, made fit to show: control and format characters (bidi
    overrides, zero-width) out, runs of spaces made one, trimmed, at most
    ``MAX_NAME_CHARS``; "" when nothing is left."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_NAME_CHARS].rstrip()


def same_name(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _pinned(file: CatalogFile, remote: hub.RemoteFile) -> hub.RemoteFile:
    """The hub's file, when it is the one the catalog pins (or the catalog pins none)."""
    if file.sha256 and remote.sha256 != file.sha256:
        raise DownloadError(
            f"{file.repo}/{file.filename} on the hub is not the file Hushdesk's catalog names "
            "(its SHA-256 differs), so it was not downloaded. It may have been replaced; "
            "a newer Hushdesk may know the new one."
        )
    return remote


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "model"


class Models:
    def __init__(
        self, settings: Settings, registry: Registry, catalog: Catalog, runtime: ModelRuntime
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.catalog = catalog
        self.runtime = runtime

    # -- what is installed ----------------------------------------------------------------

    def installed(self, kind: Kind | None = None) -> list[InstalledModel]:
        return self.registry.list(kind)

    def get(self, model_id: str) -> InstalledModel | None:
        return self.registry.get(model_id)

    def default_chat(self) -> str | None:
        """The id of the model new chats use (None when no chat model is installed)."""
        try:
            return self.runtime.chat_model().id
        except ModelError:
            return None

    def set_default(self, model_id: str) -> None:
        """An installed chat model, or a server's (``CONNECTION/MODEL``)."""
        model = self.registry.get(model_id) or self.runtime.remote_model(model_id)
        if model is None or model.kind != "llm":
            raise ModelError(f"No installed chat model is called {model_id!r}.")
        self.settings.default_model = model_id
        self.settings.save()

    def file_info(self, model: InstalledModel) -> gguf_info.GGUFInfo:
        """What a model's GGUF file says of itself, validated (reads the file)."""
        return gguf_info.inspect(model.path)

    def check_template(self, template: str) -> str:
        """A sample conversation rendered with a chat template, or ModelError saying why
        it cannot be used. A template is code: a hostile one could loop or eat memory,
        so it runs apart, with a time and memory limit. Slow: off the GUI thread."""
        return run_isolated(templates.validate, template, timeout_s=5, memory_limit_bytes=4 << 30)

    def save_settings(self, model_id: str, overrides: ModelOverrides) -> None:
        """Check, then keep, a model's own settings. Slow (reads the adapter): off the GUI
        thread. A bad chat template or adapter is refused with a clear message."""
        model = self.registry.get(model_id)
        if model is None:
            raise ModelError(f"No installed model is called {model_id!r}.")
        if overrides.chat_template:
            self.check_template(overrides.chat_template)
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
        self.runtime.settings_changed()  # the next answer reloads with the new settings

    # -- the catalog and this computer ----------------------------------------------------

    def machine(self) -> Machine:
        """Memory, cores and GPUs of this computer (slow the first time)."""
        return hardware.detect()

    def search(self, text: str = "") -> list[CatalogModel]:
        """Catalog models matching ``text`` (all when empty), smallest first."""
        found = self.catalog.search(text) if text.strip() else list(self.catalog.models)
        return sorted(found, key=lambda m: m.parameters)

    def fit(self, model: CatalogModel, quantization: str | None, machine: Machine) -> Fit:
        """Whether a catalog file runs well here, with the reason."""
        n_ctx = self.settings.engine.n_ctx
        return hardware.fit(hardware.estimate(model, model.file(quantization), n_ctx), machine)

    def recommend(self, machine: Machine) -> Recommendation | None:
        return hardware.recommend(self.catalog, machine, self.settings.engine.n_ctx)

    def speech_catalog(self, machine: Machine) -> list[tuple[CatalogSpeech, float, bool]]:
        """The catalog's speech models, each with its rough real-time factor here (seconds
        of work per second of speech) and whether it is installed."""
        installed = {m.id for m in self.registry.list("speech")}
        return [
            (s, hardware.transcription_rtf(s.cpu_cost, machine), s.id in installed)
            for s in self.catalog.speech
        ]

    def installed_quantizations(self, model: CatalogModel) -> set[str]:
        """The quantizations of a catalog model that are installed."""
        installed = {m.id for m in self.registry.list()}
        return {
            f.quantization
            for f in model.files
            if installed_id(model, f.quantization) in installed
            or (model.bundled and model.id in installed)
        }

    # -- downloads ------------------------------------------------------------------------

    def unfinished(self) -> list[download.DownloadJob]:
        """Downloads that were paused or cut off, oldest first."""
        return download.unfinished()

    def download_job(self, model_id: str, quantization: str | None = None) -> download.DownloadJob:
        """The unfinished download of this model if there is one, else a new plan
        (which asks the hub: network)."""
        policy.load().require_downloads()
        for job in download.unfinished():
            if model_id not in (job.model_id, job.details.get("catalog_id")):
                continue
            quant = str(job.details.get("quantization", ""))
            if quantization is None or quant.lower() == quantization.lower():
                return job
        return self.plan(model_id, quantization)

    def discard(self, job: download.DownloadJob) -> None:
        """Cancel a paused download: its partial files and record go."""
        download.discard(job)

    def plan(self, model_id: str, quantization: str | None = None) -> download.DownloadJob:
        """Ask the hub for the file's size and checksum (network; allowed for this thread)."""
        policy.load().require_downloads()
        model = self.catalog.get(model_id)
        if model is None:
            return self._plan_folder(model_id)
        if model.bundled:
            raise DownloadError(f"{model.name} comes with Hushdesk; there is nothing to download.")
        file = model.file(quantization)
        remote = _pinned(file, hub.resolve(file.repo, file.filename))
        files = [remote]
        if model.projector is not None:  # the pair: it sees images
            projector = model.projector
            files.append(_pinned(projector, hub.resolve(projector.repo, projector.filename)))
        return download.DownloadJob(
            model_id=installed_id(model, file.quantization),
            name=f"{model.name} ({file.quantization})",
            kind="llm",
            repo=file.repo,
            revision="main",
            target_dir=str(paths.models_dir() / _slug(file.repo)),
            files=files,
            details={
                "catalog_id": model.id,
                "quantization": file.quantization,
                "parameters": model.parameters,
                "context_length": model.context_length,
                "license": model.license,
                "sha256": remote.sha256,
            },
        )

    def _plan_folder(self, model_id: str) -> download.DownloadJob:
        """An embedding or speech model: a folder of files from one repository."""
        found = self.catalog.get_embedding(model_id) or self.catalog.get_speech(model_id)
        if found is None:
            raise DownloadError(f"There is no model called {model_id!r} in the catalog.")
        if found.bundled:
            raise DownloadError(f"{found.name} comes with Hushdesk; there is nothing to download.")
        details: dict[str, object] = {"license": found.license}
        if isinstance(found, CatalogSpeech):
            details |= {"languages": found.languages, "multilingual": found.multilingual}
        else:
            details["dimensions"] = found.dimensions
        return download.DownloadJob(
            model_id=found.id,
            name=found.name,
            kind="speech" if isinstance(found, CatalogSpeech) else "embedding",
            repo=found.repo,
            revision="main",
            target_dir=str(paths.models_dir() / _slug(found.repo)),
            files=[hub.resolve(found.repo, f) for f in found.files],
            details=details,
        )

    def install(
        self,
        job: download.DownloadJob,
        *,
        control: download.DownloadControl | None = None,
        progress: ProgressCallback | None = None,
    ) -> InstalledModel:
        """Download (or resume), verify, check the model is usable, then list it.

        A file that passed its checksum is never deleted here: if the model check fails
        it stays on disk (a new try reuses it) and the reason is reported.
        """
        policy.load().require_downloads()  # a paused one too, when a policy came since
        files = download.run(job, control=control, progress=progress)
        if job.kind == "llm":
            try:
                gguf_info.inspect(files[0])
            except ModelError as exc:
                raise ModelError(
                    f"{job.name} was downloaded and verified, but cannot be used: {exc.message}",
                    detail=exc.detail,
                ) from exc
            path = files[0]
        else:
            path = Path(job.target_dir)
        details = {**job.details, "repo": job.repo}
        if job.kind == "llm" and len(files) > 1:  # its vision projector (checked at load)
            details["mmproj"] = str(files[1])
        if job.kind == "speech":  # what the folder says of itself, not only the catalog
            details["multilingual"] = _check_speech(path, downloaded=job.name).multilingual
        model = InstalledModel(
            id=job.model_id,
            name=job.name,
            kind=_KINDS.get(job.kind, "llm"),
            path=str(path),
            source="download",
            size_bytes=job.total_bytes,
            details=details,
        )
        self.registry.add(model)
        log.info("installed %s", model.id)
        return model

    # -- imports --------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        *,
        copy: bool = False,
        name: str | None = None,
        source_label: str = "file",
        projector: Path | None = None,
    ) -> InstalledModel:
        """A GGUF file from disk: validated before it is listed; copied or referenced.
        Its vision projector (``projector``, else the one mmproj file beside it) goes
        with it: the model then sees images."""
        path = path.expanduser().resolve()
        info = gguf_info.inspect(path)
        projector = projector or importers.projector_beside(path)
        if projector is not None:
            seen = gguf_info.inspect(projector, chat=False)
            if seen.architecture != "clip":
                raise ModelError(f"{projector.name} is not a vision projector (mmproj) file.")
        for existing in self.registry.list("llm"):
            if not copy and Path(existing.path) == path:  # already listed: not twice
                if projector is None or existing.details.get("mmproj") == str(projector):
                    return existing
                seeing = {**existing.details, "mmproj": str(projector.expanduser().resolve())}
                self.registry.add(dataclasses.replace(existing, details=seeing))
                return self.registry.get(existing.id) or existing
        model_id = self._free_id(_slug(name or path.stem))
        if copy:
            path = self._copy_in(path, model_id, info.size_bytes)
        model = InstalledModel(
            id=model_id,
            name=name or info.name or path.stem,
            kind="llm",
            path=str(path),
            source="import",
            size_bytes=info.size_bytes,
            details={
                "architecture": info.architecture,
                "parameters": info.n_params,
                "quantization": info.file_type,
                "context_length": info.context_length,
                "chat_template": info.has_chat_template,
                "copied": copy,
                "imported_from": source_label,
                **({"mmproj": str(projector.expanduser().resolve())} if projector else {}),
            },
        )
        self.registry.add(model)
        return model

    def import_speech(self, folder: Path, *, name: str | None = None) -> InstalledModel:
        """A faster-whisper model's folder (model.bin, config.json …), checked, then
        listed where it is (never copied: it is a folder the user keeps)."""
        folder = folder.expanduser().resolve()
        found = _check_speech(folder)
        for existing in self.registry.list("speech"):
            if Path(existing.path) == folder:
                return existing
        model = InstalledModel(
            id=self._free_id(_slug(name or folder.name)),
            name=name or folder.name,
            kind="speech",
            path=str(folder),
            source="import",
            size_bytes=sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
            details={"languages": found.languages, "multilingual": found.multilingual},
        )
        self.registry.add(model)
        return model

    def _free_id(self, wanted: str) -> str:
        taken = {m.id for m in self.registry.list()} | {m.id for m in self.catalog.models}
        taken |= {m.id for m in self.catalog.speech}
        candidate, number = wanted, 2
        while candidate in taken:
            candidate, number = f"{wanted}-{number}", number + 1
        return candidate

    def _copy_in(self, source: Path, model_id: str, size: int) -> Path:
        folder = paths.imported_models_dir()
        if shutil.disk_usage(folder).free < size + download.SPACE_MARGIN:
            raise ModelError(f"Not enough disk space to copy {source.name}.")
        target = folder / f"{model_id}.gguf"
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{model_id}.", suffix=".part")
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            Path(temporary).replace(target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise ModelError(f"Could not copy {source.name}: {exc.strerror}.") from exc
        return target

    def import_found(self, found: Found) -> InstalledModel:
        """An Ollama or LM Studio model, referenced in place."""
        label = "Ollama" if found.source == "ollama" else "LM Studio"
        return self.import_file(
            found.path, copy=False, name=f"{found.name} ({label})", source_label=found.source,
            projector=found.projector,
        )  # fmt: skip

    def import_from(self, *sources: str) -> tuple[list[InstalledModel], list[str]]:
        """Every model found in Ollama's and/or LM Studio's stores ("ollama",
        "lmstudio"), referenced in place; one unusable model does not stop the others.
        Returns what was imported, and a line for each model skipped."""
        found = [
            *(importers.find_ollama() if "ollama" in sources else []),
            *(importers.find_lmstudio() if "lmstudio" in sources else []),
        ]
        if not found:
            names = " or ".join(IMPORT_SOURCES[s] for s in sources)
            raise ModelError(f"No {names} models were found on this computer.")
        imported, skipped = [], []
        for item in found:
            try:
                imported.append(self.import_found(item))
            except HushdeskError as exc:
                skipped.append(f"{item.name}: {exc.message}")
        return imported, skipped

    # -- renaming, removal ----------------------------------------------------------------

    def rename(self, model_id: str, name: str) -> InstalledModel:
        """Show an installed model under another name. Only the name changes: its id (which
        conversations and settings keep), its file and its prompts stay. The name is
        cleaned (``clean_name``), must not be empty, and no other model may have it."""
        model = self.registry.get(model_id)
        if model is None:
            raise ModelError(f"No installed model is called {model_id!r}.")
        wanted = clean_name(name)
        if not wanted:
            raise ModelError("A model needs a name: type one.")
        taken = next(
            (m for m in self.registry.list() if m.id != model_id and same_name(m.name, wanted)),
            None,
        )
        if taken is not None:
            raise ModelError(f"Another model is already called {taken.name}: choose another name.")
        renamed = self.registry.rename(model_id, wanted)
        if renamed is None:  # removed meanwhile by another process
            raise ModelError(f"No installed model is called {model_id!r}.")
        log.info("renamed %s", model_id)  # not the name: it is the user's
        return renamed

    def remove(self, model_id: str) -> None:
        """Forget a model; delete its files only if Hushdesk downloaded or copied them."""
        model = self.registry.get(model_id)
        if model is None:
            raise ModelError(f"No installed model is called {model_id!r}.")
        if model.source == "bundled":
            raise ModelError(f"{model.name} comes with Hushdesk and cannot be removed.")
        owned = model.source == "download" or bool(model.details.get("copied"))
        target = Path(model.path).resolve()  # "models/../.." must not reach outside
        if owned and paths.models_dir().resolve() in target.parents:
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
        self.registry.remove(model_id)
        if model.kind == "speech" and self.settings.speech.model == model.path:
            self.settings.speech.model = self.settings.speech.language = ""  # back to the starter
            self.settings.save()


def _check_speech(folder: Path, downloaded: str = "") -> speech_models.SpeechModel:
    """The speech model in ``folder``, or ModelError saying why it is none (``downloaded``:
    the name of the catalog model just fetched there)."""
    try:
        return speech_models.from_folder(folder)
    except speech_models.SpeechModelError as exc:
        if downloaded:
            raise ModelError(
                f"{downloaded} was downloaded and verified, but cannot be used: {exc.message}"
            ) from exc
        raise ModelError(exc.message) from exc
