"""Model management use cases: download from the catalog, import, remove, choose.

Shared by the Models page and ``hushdesk models``. Every step that touches the
network or parses a model file is slow: call these off the GUI thread.
"""

from __future__ import annotations

import logging
import re
import shutil
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

    def plan(self, model_id: str, quantization: str | None = None, *,
             token: str | None = None) -> download.DownloadJob:  # fmt: skip
        """Ask the hub for the file's size and checksum (network; allowed for this thread)."""
        model = self.catalog.get(model_id)
        if model is None:
            embedding = self.catalog.get_embedding(model_id)
            if embedding is None:
                raise DownloadError(f"There is no model called {model_id!r} in the catalog.")
            files = [download.resolve(embedding.repo, f, token=token) for f in embedding.files]
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
        remote = download.resolve(file.repo, file.filename, token=token)
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
        token: str | None = None,
        control: download.DownloadControl | None = None,
        progress: ProgressCallback | None = None,
    ) -> InstalledModel:
        """Download (or resume), verify, check the model loads, then list it."""
        files = download.run(job, token=token, control=control, progress=progress)
        if job.kind == "llm":
            try:
                gguf_info.inspect(files[0])
            except ModelError:
                files[0].unlink(missing_ok=True)
                raise
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
        if copy:
            target_dir = paths.models_dir() / "imported"
            target_dir.mkdir(parents=True, exist_ok=True)
            target = target_dir / path.name
            if shutil.disk_usage(target_dir).free < info.size_bytes + download.SPACE_MARGIN:
                raise ModelError(f"Not enough disk space to copy {path.name}.")
            partial = target.with_name(target.name + ".part")
            shutil.copyfile(path, partial)
            partial.replace(target)
            path = target
        model = InstalledModel(
            id=_slug(name or path.stem),
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
