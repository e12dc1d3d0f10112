"""Hermetic by default: user data in a temp dir per test, offline, the network guard on.

Every test fails if anything tried to reach a non-loopback address.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from hushdesk import privacy
from tests import launcher
from tests.hub import Hub, serve
from tests.keys import TEST_PASSPHRASE

launcher.start()  # keeps the core-dump limit the run began with (test_sandbox.py)
privacy.apply()  # before any heavy import, exactly as the app does
keyring.set_keyring(keyring.backends.fail.Keyring())  # no OS keychain, as in CI
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def passphrase_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "passphrase"
    path.write_text(TEST_PASSPHRASE + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedding model prepared for OpenVINO once for the whole run (it takes ~15 s),
    shared by every test's data folder and the command lines they start."""
    from hushdesk import paths

    folder = tmp_path_factory.mktemp("embedding-cache")
    os.environ[paths.EMBEDDING_CACHE_ENV] = str(folder)
    return folder


@pytest.fixture(autouse=True)
def hushdesk_home(tmp_path: Path, passphrase_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder, created encrypted under the passphrase in a file (the way a
    script would), so every test runs on encrypted stores."""
    home = tmp_path / "hushdesk-home"
    monkeypatch.setenv("HUSHDESK_HOME", str(home))
    monkeypatch.setenv("HUSHDESK_PASSPHRASE_FILE", str(passphrase_file))
    monkeypatch.setenv("HUSHDESK_POLICY_FILE", str(tmp_path / "no-policy.toml"))  # not /etc's
    return home


@pytest.fixture(autouse=True)
def no_network_attempts() -> Iterator[None]:
    privacy.clear_blocked_attempts()
    yield
    attempts = privacy.blocked_attempts()
    privacy.clear_blocked_attempts()
    assert not attempts, f"code tried to reach the network: {attempts}"


@pytest.fixture(scope="session")
def starter_model() -> Path:
    from hushdesk.models import bundled

    path = bundled.STARTER_CHAT.locate()
    assert path is not None, bundled.MISSING_CHAT_MODEL
    return path


@pytest.fixture
def cli_env(hushdesk_home: Path) -> dict[str, str]:
    """Environment for running ``hushdesk`` in a subprocess with this test's data dir."""
    env = dict(os.environ)
    env["HUSHDESK_HOME"] = str(hushdesk_home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def hushdesk_cmd() -> list[str]:
    return [sys.executable, "-m", "hushdesk"]


HUB_REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
HUB_FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf"


@pytest.fixture
def hub(starter_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """A local stand-in for the hub serving the starter model as a catalog file."""
    hub = Hub()
    hub.add(HUB_REPO, HUB_FILE, starter_model)
    with serve(hub):
        monkeypatch.setenv("HUSHDESK_HF_ENDPOINT", hub.endpoint)
        yield hub


SPEECH_REPO_MODEL = "whisper-base"


@pytest.fixture
def speech_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """The stand-in hub serving the bundled tiny.en's files as the catalog's whisper-base."""
    from hushdesk.models import bundled, catalog

    source = bundled.STARTER_SPEECH.locate()
    entry = catalog.load().get_speech(SPEECH_REPO_MODEL)
    assert source is not None
    assert entry is not None
    hub = Hub()
    for name in entry.files:
        hub.add(entry.repo, name, source / name, lfs=name == "model.bin")
    with serve(hub):
        monkeypatch.setenv("HUSHDESK_HF_ENDPOINT", hub.endpoint)
        yield hub
