"""Every place Hushdesk keeps user data. Nothing else decides a path.

``HUSHDESK_HOME`` moves all of it under one folder (tests, portable installs).
"""

from __future__ import annotations

import os
import re
import stat
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
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {path} ({exc.strerror or exc}). "
            f"Free some space or set {HOME_ENV} to a writable folder.",
            detail=repr(exc),
        ) from exc
    return path


def make_private() -> int:
    """Folders and files under Hushdesk's folders readable by this user only (an
    install made before this, files copied in): group and other bits removed, links
    not followed. Returns how many were changed. POSIX only; errors are skipped."""
    if os.name != "posix":
        return 0
    changed = 0
    for kind in ("data", "config", "cache", "logs"):
        root = _base(kind)
        if not root.is_dir():
            continue
        for folder, _dirs, files in os.walk(root):  # links to folders are not followed
            for path in (Path(folder), *(Path(folder, f) for f in files)):
                try:
                    mode = path.lstat().st_mode
                    if not stat.S_ISLNK(mode) and mode & 0o077:
                        path.chmod(stat.S_IMODE(mode) & ~0o077)
                        changed += 1
                except OSError:
                    continue
    return changed


def data_dir() -> Path:
    return _ensure(_base("data"))


def config_dir() -> Path:
    return _ensure(_base("config"))


def cache_dir() -> Path:
    return _ensure(_base("cache"))


def log_dir() -> Path:
    return _ensure(_base("logs"))


EMBEDDING_CACHE_ENV = "HUSHDESK_EMBEDDING_CACHE"


def embedding_cache_dir() -> Path:
    """Embedding models prepared for this computer's CPU: made from public weights, nothing
    of the user's, rebuilt when missing. ``HUSHDESK_EMBEDDING_CACHE`` moves it (the tests
    share one across their data folders)."""
    moved = os.environ.get(EMBEDDING_CACHE_ENV)
    return _ensure(Path(moved) if moved else cache_dir() / "embedding")


def models_dir() -> Path:
    """Downloaded and copied-in model files."""
    return _ensure(data_dir() / "models")


def settings_file() -> Path:
    return config_dir() / "settings.json"


def registry_file() -> Path:
    return data_dir() / "models.json"


def keys_file() -> Path:
    """The data key, wrapped by each way to unlock it (``vault.py``)."""
    return data_dir() / "keys.json"


def profile_file() -> Path:
    """The personal settings (name, address, signature, instructions), encrypted."""
    return data_dir() / "profile.sealed"


def conversations_db() -> Path:
    return data_dir() / "conversations.sqlite"


def library_db() -> Path:
    """Document libraries: files, their text, chunks (the source of truth)."""
    return data_dir() / "library.sqlite"


def vectors_dir() -> Path:
    """The vector index of the libraries (Chroma), rebuildable from ``library_db``."""
    return data_dir() / "vectors"


def summaries_db() -> Path:
    return data_dir() / "summaries.sqlite"


def drafts_db() -> Path:
    """Email drafts and the user's own templates."""
    return data_dir() / "drafts.sqlite"


def matters_file() -> Path:
    """The matters and their keys, sealed under the data key (``services.matters``)."""
    return data_dir() / "matters.sealed"


def matters_dir() -> Path:
    """The folders of the matters after the first (whose stores are the ones above)."""
    return data_dir() / "matters"


def matter_dir(matter_id: str) -> Path:
    """One matter's stores."""
    if not re.fullmatch(r"[0-9a-f]{16}", matter_id):
        raise StoreError(f"Not a matter's id: {matter_id!r}")
    return _ensure(matters_dir() / matter_id)


def downloads_dir() -> Path:
    """Records of unfinished model downloads (the partial files sit beside their target)."""
    return _ensure(models_dir() / ".downloads")


def imported_models_dir() -> Path:
    """Model files copied in by an import."""
    return _ensure(models_dir() / "imported")


def repl_history_file() -> Path:
    """The lines typed in ``hushdesk chat`` (for the arrow keys), encrypted."""
    return data_dir() / "cli_history.sealed"


def log_file(process: str = "hushdesk") -> Path:
    """The app's log; child processes (readers, renderers) write to ``children.log``."""
    return log_dir() / f"{process}.log"


def engine_log_file(tag: str) -> Path:
    """Native output of one engine child (read back when it dies)."""
    return log_dir() / f"engine-native-{tag}.log"


def in_use_dir() -> Path:
    """One small lock file per running Hushdesk process that has the data open (the
    window, ``serve``, any command): a wipe or a key change waits for none (``datalock``)."""
    return data_dir() / ".in-use"


def probe_db() -> Path:
    """A scratch database ``hushdesk doctor`` writes and removes."""
    return data_dir() / ".doctor.sqlite"


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
        "keys": keys_file(),
        "profile": profile_file(),
        "conversations": conversations_db(),
        "library": library_db(),
        "vectors": vectors_dir(),
        "summaries": summaries_db(),
        "drafts": drafts_db(),
        "matters": matters_file(),
        "other matters": matters_dir(),
        "downloads": downloads_dir(),
        "chat lines": repl_history_file(),
        "log": log_file(),
    }
