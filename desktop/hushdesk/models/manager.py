"""Model management use cases: download from the catalog, import, remove, choose.

Shared by the Models page and ``hushdesk models``. Every step that touches the
network or parses a model file is slow: call these off the GUI thread.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hushdesk import paths
from hushdesk.engine import gguf_info
from hushdesk.errors import DownloadError, ModelError
from hushdesk.jobs import ProgressCallback
from hushdesk.models import download
from hushdesk.models.catalog import Catalog, CatalogModel
from hushdesk.models.importers import Found
from hushdesk.models.registry import InstalledModel, Registry

log = logging.getLogger("hushdesk.models")


def installed_id(model: CatalogModel, quantization: str) -> str:
    return f"{model.id}-{quantization.lower()}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "model"


@dataclass
class ModelManager:
    registry: Registry
    catalog: Catalog

    # -- downloads ------------------------------------------------------------------------

    def plan(self, model_id: str, quantization: str | None = None) -> download.DownloadJob:
        """Ask the hub for the file's size and checksum (network; allowed for this thread)."""
        model = self.catalog.get(model_id)
        if model is None:
            embedding = self.catalog.get_embedding(model_id)
            if embedding is None:
                raise DownloadError(f"There is no model called {model_id!r} in the catalog.")
            files = [download.resolve(embedding.repo, f) for f in embedding.files]
            return download.DownloadJob(
                model_id=embedding.id,
                name=embedding.name,
                kind="embedding",
                repo=embedding.repo,
                revision="main",
                target_dir=str(paths.models_dir() / _slug(embedding.repo)),
                files=files,
                details={"dimensions": embedding.dimensions, "license": embedding.license},
            )
        if model.bundled:
            raise DownloadError(f"{model.name} comes with Hushdesk; there is nothing to download.")
        file = model.file(quantization)
        remote = download.resolve(file.repo, file.filename)
        return download.DownloadJob(
            model_id=installed_id(model, file.quantization),
            name=f"{model.name} ({file.quantization})",
            kind="llm",
            repo=file.repo,
            revision="main",
            target_dir=str(paths.models_dir() / _slug(file.repo)),
            files=[remote],
            details={
                "catalog_id": model.id,
                "quantization": file.quantization,
                "parameters": model.parameters,
                "context_length": model.context_length,
                "license": model.license,
                "sha256": remote.sha256,
            },
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
        model = InstalledModel(
            id=job.model_id,
            name=job.name,
            kind="embedding" if job.kind == "embedding" else "llm",
            path=str(path),
            source="download",
            size_bytes=job.total_bytes,
            details={**job.details, "repo": job.repo},
        )
        self.registry.add(model)
        log.info("installed %s at %s", model.id, path)
        return model

    # -- imports --------------------------------------------------------------------------

    def import_file(self, path: Path, *, copy: bool = False, name: str | None = None,
                    source_label: str = "file") -> InstalledModel:  # fmt: skip
        """A GGUF file from disk: validated before it is listed; copied or referenced."""
        path = path.expanduser().resolve()
        info = gguf_info.inspect(path)
        for existing in self.registry.list("llm"):
            if not copy and Path(existing.path) == path:
                return existing  # already listed: referencing it twice changes nothing
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
            },
        )
        self.registry.add(model)
        return model

    def _free_id(self, wanted: str) -> str:
        taken = {m.id for m in self.registry.list()} | {m.id for m in self.catalog.models}
        candidate, number = wanted, 2
        while candidate in taken:
            candidate, number = f"{wanted}-{number}", number + 1
        return candidate

    def _copy_in(self, source: Path, model_id: str, size: int) -> Path:
        folder = paths.models_dir() / "imported"
        folder.mkdir(parents=True, exist_ok=True)
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
            found.path, copy=False, name=f"{found.name} ({label})", source_label=found.source
        )

    # -- removal, default -----------------------------------------------------------------

    def remove(self, model_id: str) -> None:
        """Forget a model; delete its files only if Hushdesk downloaded or copied them."""
        model = self.registry.get(model_id)
        if model is None:
            raise ModelError(f"No installed model is called {model_id!r}.")
        if model.source == "bundled":
            raise ModelError(f"{model.name} comes with Hushdesk and cannot be removed.")
        owned = model.source == "download" or bool(model.details.get("copied"))
        target = Path(model.path)
        if owned and paths.models_dir() in target.parents:
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
        self.registry.remove(model_id)
