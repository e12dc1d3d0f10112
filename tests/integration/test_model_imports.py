"""Imports of models already on disk: a GGUF file, an Ollama store, an LM Studio folder."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from hushdesk import paths
from hushdesk.errors import ModelError
from hushdesk.models import bundled, catalog, importers
from hushdesk.models.registry import Registry
from hushdesk.services.models import Models
from hushdesk.services.runtime import ModelRuntime
from hushdesk.settings import Settings
from tests.hostile import hostile_model
from tests.vision import tiny_projector


@pytest.fixture
def manager() -> Models:
    registry = Registry()
    bundled.ensure_registered(registry)
    settings = Settings()
    return Models(settings, registry, catalog.load(), ModelRuntime(settings, registry))


def test_import_by_reference_reads_metadata(
    manager: Models, starter_model: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "my-model.gguf"
    shutil.copyfile(starter_model, mine)
    model = manager.import_file(mine, name="My model")
    assert model.path == str(mine.resolve())
    assert manager.import_file(mine) == model  # importing twice changes nothing
    assert model.details["architecture"] == "llama"
    assert model.details["quantization"] == "Q4_1"
    assert model.details["chat_template"] is True
    assert model.details["context_length"] == 8192
    assert manager.registry.get(model.id) == model
    again = manager.import_file(mine, copy=True, name="My model")
    assert again.id == "my-model-2"  # a copy gets its own id and file
    assert Path(again.path).name == "my-model-2.gguf"


def test_import_by_copy_and_remove_deletes_only_our_copy(
    manager: Models, starter_model: Path
) -> None:
    model = manager.import_file(starter_model, copy=True)
    copy = Path(model.path)
    assert paths.models_dir() in copy.parents
    assert copy.stat().st_size == starter_model.stat().st_size
    manager.remove(model.id)
    assert not copy.exists()
    assert starter_model.exists()
    with pytest.raises(ModelError, match="comes with Hushdesk"):
        manager.remove("smollm2-135m-instruct")


@pytest.mark.parametrize("kind", ["empty", "truncated", "random", "text"])
def test_hostile_files_are_not_imported(
    manager: Models, tmp_path: Path, starter_model: Path, kind: str
) -> None:
    bad = hostile_model(tmp_path, starter_model, kind)
    with pytest.raises(ModelError, match=f"{kind}.gguf"):
        manager.import_file(bad, copy=True)
    assert all(m.source == "bundled" for m in manager.registry.list())
    assert not (paths.models_dir() / "imported" / bad.name).exists()


def _ollama_store(root: Path, gguf: Path, projector: Path | None = None) -> Path:
    digest = hashlib.sha256(gguf.read_bytes()).hexdigest()
    blobs = root / "blobs"
    blobs.mkdir(parents=True)
    blob = blobs / f"sha256-{digest}"
    shutil.copyfile(gguf, blob)
    extra = []
    if projector is not None:
        seen = hashlib.sha256(projector.read_bytes()).hexdigest()
        shutil.copyfile(projector, blobs / f"sha256-{seen}")
        extra = [{"mediaType": importers.OLLAMA_PROJECTOR_LAYER, "digest": f"sha256:{seen}"}]
    config = blobs / "sha256-cafe"
    config.write_text("{}")
    manifest = root / "manifests" / "registry.ollama.ai" / "library" / "smollm2" / "135m"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "digest": "sha256:cafe",
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.ollama.image.model",
                        "digest": f"sha256:{digest}",
                        "size": gguf.stat().st_size,
                    },
                    {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:beef"},
                    *extra,
                ],
            }
        )
    )
    broken = root / "manifests" / "registry.ollama.ai" / "library" / "broken" / "latest"
    broken.parent.mkdir(parents=True)
    broken.write_text("not json")
    return blob


def test_ollama_models_are_found_and_referenced_without_copying(
    manager: Models, tmp_path: Path, starter_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ollama"
    blob = _ollama_store(root, starter_model)
    monkeypatch.setenv("OLLAMA_MODELS", str(root))
    (found,) = importers.find_ollama()
    assert found.name == "smollm2:135m"
    assert found.path == blob
    model = manager.import_found(found)
    assert model.path == str(blob.resolve())
    assert model.name == "smollm2:135m (Ollama)"
    assert not (paths.models_dir() / "imported").exists()


def test_lm_studio_models_are_found(tmp_path: Path, starter_model: Path) -> None:
    root = tmp_path / "lmstudio"
    folder = root / "HuggingFaceTB" / "SmolLM2-135M-Instruct-GGUF"
    folder.mkdir(parents=True)
    (folder / "smollm2.gguf").symlink_to(starter_model)
    (folder / "mmproj-model-f16.gguf").write_bytes(b"GGUF")
    (found,) = importers.find_lmstudio([root, tmp_path / "absent"])
    assert found.name == "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/smollm2.gguf"
    assert found.projector == folder / "mmproj-model-f16.gguf"  # its vision, not a model


def test_a_model_and_its_projector_are_imported_as_one(
    manager: Models, tmp_path: Path, starter_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "lmstudio" / "someone" / "seeing-GGUF"
    folder.mkdir(parents=True)
    (folder / "model.gguf").symlink_to(starter_model)
    projector = tiny_projector(folder / "mmproj-seeing.gguf")
    (found,) = importers.find_lmstudio([tmp_path / "lmstudio"])
    model = manager.import_found(found)
    assert model.details["mmproj"] == str(projector.resolve())
    spec = ModelRuntime(manager.settings, manager.registry).load_spec(model)
    assert spec.mmproj_path == str(projector.resolve())
    with pytest.raises(ModelError, match="not a vision projector"):
        manager.import_file(starter_model, projector=starter_model, name="twice")

    root = tmp_path / "ollama"
    _ollama_store(root, starter_model, projector=projector)
    monkeypatch.setenv("OLLAMA_MODELS", str(root))
    (pulled,) = importers.find_ollama()
    assert pulled.projector is not None
    assert pulled.projector.read_bytes() == projector.read_bytes()  # its projector layer


def test_an_ollama_digest_cannot_point_outside_the_blobs(
    tmp_path: Path, starter_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ollama"
    _ollama_store(root, starter_model)
    victim = root / "victim.gguf"
    shutil.copyfile(starter_model, victim)
    (root / "blobs" / "sha256-").mkdir()
    manifest = root / "manifests" / "registry.ollama.ai" / "library" / "evil" / "latest"
    manifest.parent.mkdir(parents=True)
    layer = {"mediaType": importers.OLLAMA_MODEL_LAYER, "digest": "sha256:/../../victim.gguf"}
    manifest.write_text(json.dumps({"layers": [layer]}))
    monkeypatch.setenv("OLLAMA_MODELS", str(root))
    assert [f.name for f in importers.find_ollama()] == ["smollm2:135m"]


def test_removing_a_model_deletes_nothing_outside_the_models_folder(manager: Models) -> None:
    from hushdesk.models.registry import InstalledModel

    victim = paths.models_dir().parent.parent / "victim.gguf"
    victim.write_text("the user's own file")
    (paths.models_dir() / "x").mkdir()
    escaping = str(paths.models_dir() / "x" / ".." / ".." / ".." / "victim.gguf")
    manager.registry.add(InstalledModel("evil", "Evil", "llm", escaping, "download"))
    manager.remove("evil")
    assert victim.read_text() == "the user's own file"
    assert manager.registry.get("evil") is None
