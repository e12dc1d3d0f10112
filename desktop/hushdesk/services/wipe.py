"""Deleting all of the user's data: "Delete all my data" and ``hushdesk wipe``.

Refused while another Hushdesk process has the data open; the key goes first, so
everything is unreadable at once even if a later step fails; then every file about the
user is overwritten and removed, in whatever way the OS nests the folders (on Windows
the cache and the logs sit inside the data folder). The starter models and the catalog's
downloads are not the user's data: they stay, listed under their own names. Imported
models are: their copies go, and the list forgets them (a path, a file name) and every
name the user gave; so do unfinished downloads (their records name the server, which
may be a mirror the user set). Also: what an older version left in the clear.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from hushdesk import datalock, paths
from hushdesk.models.registry import Registry
from hushdesk.sqlitedb import shred
from hushdesk.vault import Vault

log = logging.getLogger("hushdesk.wipe")

KEPT = ("models", "models.json")  # in the data folder: cleared by _public_models
PUBLIC_SOURCES = ("bundled", "download")  # models anyone could have, under their names
LEGACY = ("vectors", "vectors.written", "cli_history")  # written in the clear by 0.1


@dataclass
class WipeReport:
    removed: int = 0
    failed: list[str] = field(default_factory=list)


def in_use() -> datalock.Hold:
    """This process has the data open until ``release()`` (the window holds it for its
    whole life, so a wipe from a terminal is refused even while it is locked)."""
    return datalock.hold()


def remove_legacy_plaintext() -> int:
    """What an older Hushdesk kept in the clear and is now kept encrypted elsewhere (the
    vector folder, whose vectors are embedded again into the store; the typed lines)."""
    data = paths.data_dir()
    removed = 0
    for name in LEGACY:
        target = data / name
        if target.exists() or target.is_symlink():
            removed += _remove(target, WipeReport())
    return removed


def wipe(vault: Vault) -> WipeReport:
    """Destroy the key, then every store, index, log, cache, setting and leftover copy.
    ``DataInUse`` while another Hushdesk process has the data open (nothing is
    touched); this process must have closed its stores (the window is shut first)."""
    report = WipeReport()
    in_use_dir = paths.in_use_dir().resolve()
    with datalock.alone("delete your data"):
        vault.destroy()
        _public_models(report)
        data = paths.data_dir().resolve()
        keep = {data / name for name in KEPT} | {in_use_dir}
        for root in _roots():
            _clear(root, keep, report)
    with contextlib.suppress(OSError):  # the locks, once released (Windows)
        _remove(in_use_dir, WipeReport())
    log.info("wiped: %d files removed, %d failed", report.removed, len(report.failed))
    return report


def _public_models(report: WipeReport) -> None:
    """The model list keeps the starters and the catalog's downloads, under the names
    they came with; an import (the user's file: its path, its name) is forgotten and its
    copy deleted. The old list is overwritten, not just replaced. Unfinished downloads
    go, records and partial files."""
    from hushdesk.models import download  # httpx: not for every start of the app

    path = paths.registry_file()
    public = [
        replace(m, name=m.original_name or m.name, original_name="")
        for m in Registry(path).list()
        if m.source in PUBLIC_SOURCES
    ]
    report.removed += _remove(paths.imported_models_dir(), report)
    if path.exists():
        report.removed += _remove(path, report)
    if public:
        Registry(path).replace_all(public)
    models = paths.models_dir().resolve()
    for job in download.unfinished():
        for remote in job.files:  # public weights: removed, not overwritten
            part = job.part(remote).resolve()
            if part.is_relative_to(models):
                part.unlink(missing_ok=True)
    report.removed += _remove(paths.downloads_dir(), report)


def _roots() -> list[Path]:
    """The data, config, cache and log folders, without those inside another (Windows:
    the cache and the logs are in the data folder; macOS: config is data)."""
    found = {p.resolve() for p in (paths.data_dir(), paths.config_dir())}
    found |= {p.resolve() for p in (paths.cache_dir(), paths.log_dir())}
    return sorted(r for r in found if not any(r != o and r.is_relative_to(o) for o in found))


def _clear(folder: Path, keep: set[Path], report: WipeReport) -> None:
    """Everything under ``folder`` but ``keep`` (folders holding a kept path are entered)."""
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return
    except OSError as exc:
        report.failed.append(f"{folder}: {exc}")
        return
    for entry in entries:
        if entry in keep:
            continue
        if not entry.is_symlink() and entry.is_dir() and any(k.is_relative_to(entry) for k in keep):
            _clear(entry, keep, report)
        else:
            report.removed += _remove(entry, report)


def _remove(target: Path, report: WipeReport) -> int:
    """Shred a file, or every file under a folder (links are removed, not followed)."""
    if target.is_symlink() or not target.is_dir():
        try:
            if target.is_symlink():
                target.unlink()
            else:
                shred(target)
            return 1
        except OSError as exc:
            report.failed.append(f"{target}: {exc}")
            return 0
    count = 0
    for folder, dirs, files in os.walk(target, topdown=False):
        for name in files:
            count += _remove(Path(folder, name), report)
        for name in dirs:
            path = Path(folder, name)
            if path.is_symlink():
                count += _remove(path, report)
            else:
                with contextlib.suppress(OSError):
                    path.rmdir()
    try:
        target.rmdir()
    except OSError as exc:
        report.failed.append(f"{target}: {exc}")
    return count
