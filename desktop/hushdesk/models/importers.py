"""Models already on this machine: a GGUF file, Ollama's store, LM Studio's folder.

Ollama and LM Studio models are referenced where they are, never copied: they are
often several gigabytes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("hushdesk.models")

OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
OLLAMA_PROJECTOR_LAYER = "application/vnd.ollama.image.projector"
_DIGEST = re.compile(r"sha256[:-][0-9a-f]{64}")  # nothing else names a blob


@dataclass(frozen=True)
class Found:
    source: str  # "ollama" | "lmstudio"
    name: str
    path: Path
    size_bytes: int
    projector: Path | None = None  # its vision projector (mmproj): the model sees images


def ollama_root() -> Path:
    env = os.environ.get("OLLAMA_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".ollama" / "models"


def find_ollama(root: Path | None = None) -> list[Found]:
    """Manifests under ``manifests/<registry>/<namespace>/<model>/<tag>`` point at a GGUF
    blob (``blobs/sha256-<hex>``) through their model layer."""
    root = root or ollama_root()
    manifests = root / "manifests"
    if not manifests.is_dir():
        return []
    found = []
    for manifest in sorted(p for p in manifests.rglob("*") if p.is_file()):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            layers = {layer.get("mediaType"): layer for layer in data.get("layers", [])}
            blob = root / "blobs" / _blob(layers[OLLAMA_MODEL_LAYER])
            projector = layers.get(OLLAMA_PROJECTOR_LAYER)
            vision = root / "blobs" / _blob(projector) if projector else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.info("skipping unreadable Ollama manifest %s", manifest)
            continue
        if not blob.is_file():
            continue
        relative = manifest.relative_to(manifests).parts
        model, tag = relative[-2], relative[-1]
        namespace = relative[-3] if len(relative) >= 3 else ""
        name = f"{model}:{tag}" if namespace in ("", "library") else f"{namespace}/{model}:{tag}"
        vision = vision if vision is not None and vision.is_file() else None
        found.append(Found("ollama", name, blob, blob.stat().st_size, vision))
    return found


def _blob(layer: dict[str, object]) -> str:
    """A layer's blob file name; a digest that is not one (``sha256-../../elsewhere``)
    raises ``ValueError``."""
    digest = str(layer["digest"])
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"not a blob digest: {digest[:80]!r}")
    return digest.replace(":", "-")


def projector_beside(model: Path) -> Path | None:
    """The one vision projector (``*mmproj*.gguf``) in a model's folder, as LM Studio and
    Hugging Face's repositories keep them; None when there is none, or several."""
    try:
        found = [p for p in model.parent.glob("*.gguf") if "mmproj" in p.name.lower()]
    except OSError:
        return None
    return found[0] if len(found) == 1 and found[0].is_file() else None


def lmstudio_roots() -> list[Path]:
    home = Path.home()
    roots = [home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"]
    if sys.platform == "win32":
        roots.append(home / "AppData" / "Local" / "LM Studio" / "models")
    return roots


def find_lmstudio(roots: list[Path] | None = None) -> list[Found]:
    """``<publisher>/<model>/<file>.gguf``; a vision projector (mmproj) beside it goes
    with it, never as a model of its own."""
    found = []
    for root in roots or lmstudio_roots():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.gguf")):
            if "mmproj" in path.name.lower() or not path.is_file():
                continue
            name = "/".join(path.relative_to(root).parts)
            found.append(Found("lmstudio", name, path, path.stat().st_size,
                               projector_beside(path)))  # fmt: skip
    return found
