"""Watched folders without an OS watcher: the folders of a tree and a signature of
them (their modification times), which changes when an entry is added, removed or
renamed in any of them. The GUI also uses Qt's watcher for instant news; the poll
catches what it misses (network shares, systems out of inotify watches), and it is
all ``hushdesk ingest --watch`` needs."""

from __future__ import annotations

from pathlib import Path

Signature = tuple[tuple[str, int], ...]


def folders(roots: list[Path], limit: int = 2000) -> tuple[list[str], Signature]:
    """Folders to watch under ``roots`` (hidden ones such as caches and .git are left
    out), with their signature."""
    found: list[str] = []
    for root in roots:
        if not root.is_dir():
            continue
        found.append(str(root))
        for path in root.rglob("*"):
            if len(found) >= limit:
                break
            if path.is_dir() and not any(
                part.startswith(".") for part in path.relative_to(root).parts
            ):
                found.append(str(path))
    return found, signature(found)


def signature(paths: list[str]) -> Signature:
    """The folders' modification times (-1 for one that is gone)."""
    marks = []
    for folder in sorted(paths):
        try:
            marks.append((folder, Path(folder).stat().st_mtime_ns))
        except OSError:
            marks.append((folder, -1))
    return tuple(marks)
