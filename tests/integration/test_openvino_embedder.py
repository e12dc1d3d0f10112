"""The OpenVINO embedder on the real starter embedding model: prepared in a child, the
same tokens as sentence-transformers, vectors close to torch's, and torch whenever
OpenVINO cannot be used."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from hushdesk import paths
from hushdesk.errors import DocumentError
from hushdesk.isolate import IsolatedFailure
from hushdesk.library import openvino_embedder
from hushdesk.library.embedder import SentenceEmbedder
from hushdesk.library.embedders import make_embedder
from hushdesk.library.openvino_embedder import OpenVINOEmbedder
from hushdesk.models import bundled

TEXTS = [
    "The Tenant shall pay the rent on the first Business Day of each month.",
    "PATIENT DISCHARGED on 12/03 — follow-up in 2 weeks; amoxicillin 500 mg t.d.s.",
    "Café, naïve façade: accents, ß, 日本語 and emoji 🙂 are all text too.",
    "   leading and trailing spaces   ",
    "Either party may terminate this Agreement on ninety days' written notice.",
    # Odd ones: 8-bit values suit them less (cosine 0.92 and 0.96 to torch's).
    "",
    "clause " * 400,  # past the model's 256 word pieces: cut as sentence-transformers cuts
]
PROSE = slice(0, 5)


def _close_to(vectors: np.ndarray, reference: np.ndarray) -> None:
    cosine = (vectors * reference).sum(axis=1)
    assert cosine[PROSE].min() > 0.99, cosine
    assert cosine.min() > 0.9, cosine


@pytest.fixture(scope="module")
def model_path() -> str:
    found = bundled.STARTER_EMBEDDING.locate()
    assert found is not None
    return str(found)


@pytest.fixture(scope="module")
def torch_vectors(model_path: str) -> np.ndarray:
    return SentenceEmbedder(model_path, "torch").embed(TEXTS)


def _openvino(model_path: str, **kwargs: object) -> OpenVINOEmbedder:
    def no_fallback() -> SentenceEmbedder:
        raise AssertionError("fell back to torch")

    return OpenVINOEmbedder(model_path, "starter", fallback=no_fallback, **kwargs)  # type: ignore[arg-type]


@pytest.mark.slow
def test_prepared_once_with_nothing_written_outside_the_cache(
    model_path: str, torch_vectors: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh preparation (its own cache, its own home folder): OpenVINO's and NNCF's
    usage statistics would write a client id under ~/intel and send it."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    cache = tmp_path / "cache"
    embedder = _openvino(model_path, cache=cache)
    vectors = embedder.embed(TEXTS)
    assert embedder.backend == "openvino-int8"
    assert list(home.iterdir()) == []
    (prepared,) = list(cache.iterdir())
    assert json.loads((prepared / "meta.json").read_text())["int8"] is True
    _close_to(vectors, torch_vectors)

    # The same preparation is used by the next embedder (no child started).
    def no_child(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("prepared again")

    monkeypatch.setattr(openvino_embedder, "run_isolated", no_child)
    again = _openvino(model_path, cache=cache)
    np.testing.assert_allclose(again.embed(TEXTS), vectors, atol=1e-5)


def test_the_same_tokens_as_sentence_transformers(model_path: str) -> None:
    from sentence_transformers import SentenceTransformer

    embedder = _openvino(model_path)
    embedder.embed(["load"])
    model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    expected = tokenize(TEXTS)["input_ids"].tolist()
    encoded = embedder._tokenizer.encode_batch(TEXTS)
    assert [e.ids for e in encoded] == expected


def test_vectors_match_torch_and_keep_the_order_of_nearest(
    model_path: str, torch_vectors: np.ndarray
) -> None:
    embedder = make_embedder(model_path, "starter")
    vectors = embedder.embed(TEXTS)
    assert embedder.backend == "openvino-int8"
    assert vectors.shape == torch_vectors.shape
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    _close_to(vectors, torch_vectors)
    query = embedder.embed(["When can the agreement be ended?"])[0]
    assert int(np.argmax(vectors @ query)) == int(np.argmax(torch_vectors @ query))
    assert embedder.embed([]).shape == (0, vectors.shape[1])
    # Batches do not change a text's vector (length-sorted, padded per batch).
    one_by_one = np.vstack([embedder.embed([t]) for t in TEXTS])
    np.testing.assert_allclose(one_by_one, vectors, atol=2e-2)


def test_parallel_requests_give_each_text_its_own_vector(
    model_path: str, torch_vectors: np.ndarray
) -> None:
    from hushdesk.library.openvino_embedder import RunPlan, run_plan

    assert run_plan(2) == RunPlan(threads=2, streams=2, batch=8)
    assert run_plan(1).streams == 1
    assert run_plan(16).streams == 4
    texts = TEXTS * 5  # batches of 3 over 4 requests: some run while others are made
    vectors = _openvino(model_path, plan=RunPlan(threads=2, streams=4, batch=3)).embed(texts)
    for n in range(5):
        _close_to(vectors[n * len(TEXTS) : (n + 1) * len(TEXTS)], torch_vectors)


def test_floating_point_openvino_is_torch(model_path: str, torch_vectors: np.ndarray) -> None:
    embedder = make_embedder(model_path, "starter", backend="openvino")
    vectors = embedder.embed(TEXTS)
    assert embedder.backend == "openvino"
    assert (vectors * torch_vectors).sum(axis=1).min() > 0.999


def test_a_model_openvino_cannot_take_runs_on_torch(
    model_path: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(model_path, folder)
    (folder / "modules.json").unlink()  # a plain transformers folder: torch pools it
    embedder = make_embedder(str(folder), "custom")
    with caplog.at_level(logging.WARNING, logger="hushdesk.library"):
        assert embedder.embed(["text"]).shape == (1, 384)
    assert embedder.backend == "torch"
    assert "modules.json" in caplog.text


def test_a_failed_preparation_runs_on_torch(
    model_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: object, **_kwargs: object) -> None:
        raise IsolatedFailure("crashed (killed by SIGKILL)")

    monkeypatch.setattr(openvino_embedder, "run_isolated", crash)
    embedder = OpenVINOEmbedder(
        model_path, "starter", fallback=lambda: SentenceEmbedder(model_path, "t"), cache=tmp_path
    )
    assert embedder.embed(["text"]).shape == (1, 384)
    assert embedder.backend == "torch"
    assert list(tmp_path.iterdir()) == []  # no half-made preparation left behind


@pytest.mark.slow
def test_a_damaged_preparation_is_made_again(model_path: str) -> None:
    folder = _openvino(model_path).prepared_folder()
    assert folder.parent == paths.embedding_cache_dir()
    (folder / "model.xml").write_text("<net>cut short")
    embedder = _openvino(model_path)
    assert embedder.embed(["text"]).shape == (1, 384)
    assert embedder.backend == "openvino-int8"


def test_an_unknown_back_end_is_refused(model_path: str) -> None:
    with pytest.raises(DocumentError, match="openvino-int8, openvino, torch"):
        make_embedder(model_path, "starter", backend="cuda")


def test_the_installers_preparation_is_used_as_it_is(
    model_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The frozen app ships the bundled model prepared at build time (it has no torch to
    prepare one): it is found by the model's files, not by path or time, used without a
    child, and never deleted; a damaged one is made again in the cache instead."""
    from hushdesk import assets

    made = _openvino(model_path).prepared_folder()
    resources = tmp_path / "resources"
    shipped = resources / "embedding" / "prepared" / openvino_embedder.shipped_key(model_path, True)
    shutil.copytree(made, shipped)
    monkeypatch.setattr(assets, "root", lambda: resources)

    def no_child(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("prepared again")

    monkeypatch.setattr(openvino_embedder, "run_isolated", no_child)
    embedder = _openvino(model_path)
    assert embedder.prepared_folder() == shipped
    vectors = embedder.embed(TEXTS[:2])
    assert embedder.backend == "openvino-int8"
    (shipped / "model.xml").write_text("<net>cut short")
    again = _openvino(model_path)
    np.testing.assert_allclose(again.embed(TEXTS[:2]), vectors, atol=1e-5)  # the cache's
    assert (shipped / "meta.json").is_file()  # the installer's files are not the app's to delete


def test_without_torch_a_model_openvino_cannot_take_says_why(
    model_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as in the installers
    with pytest.raises(DocumentError, match="no torch"):
        SentenceEmbedder(model_path, "custom").embed(["text"])


def test_the_shipped_key_of_a_folder_without_its_weights(model_path: str, tmp_path: Path) -> None:
    """The installers leave the weights out: the key made at build time with them left
    out is the one the installed folder gives."""
    copy = tmp_path / "model"
    shutil.copytree(model_path, copy, ignore=shutil.ignore_patterns("model.safetensors"))
    key = openvino_embedder.shipped_key
    assert key(copy, True) == key(model_path, True, leave_out=("model.safetensors",))
    assert key(copy, True) != key(model_path, True)
