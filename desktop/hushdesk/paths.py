"""Every place Hushdesk keeps user data. Nothing else decides a path.

``HUSHDESK_HOME`` moves all of it under one folder (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from hushdesk import APP_NAME
from hushdesk.errors import StoreError

HOME_ENV = "HUSHDESK_HOME"


def _base(kind: str) -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser().resolve() / kind
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Path(
        {
            "data": dirs.user_data_dir,
            "config": dirs.user_config_dir,
            "cache": dirs.user_cache_dir,
            "logs": dirs.user_log_dir,
        }[kind]
    )


def _ensure(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {path} ({exc.strerror or exc}). "
            f"Free some space or set {HOME_ENV} to a writable folder.",
            detail=repr(exc),
        ) from exc
    return path


def data_dir() -> Path:
    return _ensure(_base("data"))


def config_dir() -> Path:
    return _ensure(_base("config"))


def cache_dir() -> Path:
    return _ensure(_base("cache"))


def log_dir() -> Path:
    return _ensure(_base("logs"))


def models_dir() -> Path:
    """Downloaded and copied-in model files."""
    return _ensure(data_dir() / "models")


def settings_file() -> Path:
    return config_dir() / "settings.json"


def registry_file() -> Path:
    return data_dir() / "models.json"


def history_file() -> Path:
    return data_dir() / "cli_history"


def all_paths() -> dict[str, Path]:
    """For `hushdesk doctor` and the README: where everything lives."""
    return {
        "data": data_dir(),
        "config": config_dir(),
        "cache": cache_dir(),
        "logs": log_dir(),
        "models": models_dir(),
        "settings": settings_file(),
        "registry": registry_file(),
    }
