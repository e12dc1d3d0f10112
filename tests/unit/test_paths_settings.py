from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from hushdesk import paths, settings
from hushdesk.errors import StoreError
from hushdesk.fsutil import atomic_write_text


def test_everything_lives_under_hushdesk_home(hushdesk_home: Path) -> None:
    for name, path in paths.all_paths().items():
        assert hushdesk_home in path.parents, name
    assert paths.models_dir().is_dir()


def test_settings_round_trip() -> None:
    s = settings.Settings(default_model="x")
    s.sampling.temperature = 0.2
    s.models["x"] = settings.ModelOverrides(n_ctx=2048, chat_template="{{ x }}")
    s.save()
    loaded = settings.load()
    assert loaded == s
    assert loaded.for_model("x").n_ctx == 2048
    assert loaded.for_model("unknown") == settings.ModelOverrides()


def test_settings_survive_bad_values_and_unknown_keys() -> None:
    paths.settings_file().write_text(
        json.dumps(
            {
                "default_model": 5,
                "from_the_future": True,
                "sampling": {"temperature": "hot", "top_k": 10, "max_tokens": True},
                "engine": [],
                "models": {"m": {"n_ctx": 1024, "temperature": None, "bogus": 1}, "n": 3},
            }
        )
    )
    loaded = settings.load()
    assert loaded.default_model is None
    assert loaded.sampling.temperature == settings.SamplingSettings().temperature
    assert loaded.sampling.top_k == 10
    assert loaded.sampling.max_tokens == settings.SamplingSettings().max_tokens
    assert loaded.engine == settings.EngineSettings()
    assert loaded.models == {"m": settings.ModelOverrides(n_ctx=1024)}


def test_corrupt_settings_are_kept_aside_not_lost() -> None:
    paths.settings_file().write_text("{ not json")
    assert settings.load() == settings.Settings()
    aside = paths.settings_file().with_name("settings.json.bad")
    assert aside.read_text() == "{ not json"


def test_full_disk_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StoreError, match="disk is full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_data_at_rest_is_readable_by_this_user_only(hushdesk_home: Path) -> None:
    """Other accounts on the machine read nothing: umask 077 for what is written now,
    and an older install (0755 folders, 0644 files) is fixed at start."""
    import stat

    from hushdesk.app import App
    from tests.fakes import FakeEngine

    old = hushdesk_home / "data" / "from-an-older-version.txt"
    old.parent.mkdir(parents=True)
    old.write_text("client notes")
    old.chmod(0o644)
    old.parent.chmod(0o755)
    app = App(engine=FakeEngine())
    chat = app.conversations.open()
    app.conversations.send(chat, "the Smith matter").collect()
    app.preferences.set_theme("dark")
    app.close()
    loose = [
        f"{path.relative_to(hushdesk_home)} {oct(stat.S_IMODE(path.lstat().st_mode))}"
        for path in [hushdesk_home, *hushdesk_home.rglob("*")]
        if stat.S_IMODE(path.lstat().st_mode) & 0o077
    ]
    assert loose == []
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_settings_out_of_range_fall_back_to_defaults() -> None:
    paths.settings_file().write_text(
        json.dumps(
            {
                "sampling": {"temperature": 50, "top_p": -1, "max_tokens": 10**9, "top_k": 5},
                "engine": {"n_ctx": 10**12, "load_timeout_s": -3, "n_threads": 4},
                "models": {"m": {"n_ctx": 0, "temperature": 0.2}},
                "ui": {"lock_after_min": -5},
            }
        )
    )
    loaded = settings.load()
    defaults = settings.Settings()
    assert (loaded.sampling.temperature, loaded.sampling.top_p) == (0.7, 0.95)
    assert loaded.sampling.max_tokens == defaults.sampling.max_tokens
    assert loaded.sampling.top_k == 5
    assert loaded.engine.n_ctx == defaults.engine.n_ctx
    assert loaded.engine.load_timeout_s == defaults.engine.load_timeout_s
    assert loaded.engine.n_threads == 4
    assert loaded.models == {"m": settings.ModelOverrides(temperature=0.2)}
    assert loaded.ui.lock_after_min == defaults.ui.lock_after_min


def test_library_warnings_go_to_the_log_not_the_terminal(hushdesk_home: Path) -> None:
    import subprocess
    import sys

    script = (
        "import logging, warnings; from hushdesk import logs; logs.setup(); "
        "logging.getLogger('pypdf._reader').warning('EOF marker not found'); "
        "warnings.warn('Ignoring final token of odd-length line'); "
        "logging.getLogger('hushdesk.cli').warning('ours')"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stderr.strip() == "WARNING: ours"
    log = paths.log_file().read_text()
    assert "EOF marker not found" in log
    assert "odd-length line" in log
