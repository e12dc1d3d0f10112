"""Shared libraries: a library kept on a Chroma server the practice runs, so one
colleague ingests and everyone searches it and gets cited answers with page links.

Attaching one (``hushdesk libraries add NAME --server URL``, Documents → Share) makes
it exist on the server if it does not, with this computer's embedding model, or takes
the server's model (refused when it is not installed here or differs from the local
library's). Then ``sync`` sends what was indexed here and is not on the server yet, and
takes what colleagues added (and drops the copies of what they removed) into this
computer's encrypted copy (never deleting a file indexed here), where search works as
for a local library — and goes on working, from that copy, while the server cannot be
reached (the library is marked so).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk.endpoints import is_unencrypted, require_allowed
from hushdesk.errors import DocumentError
from hushdesk.library.shared import ModelMismatch, Share, ShareAddress, SharedUnreachable
from hushdesk.models.registry import Registry
from hushdesk.settings import Settings, SharedLibrarySettings

if TYPE_CHECKING:
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.store import Library

__all__ = [
    "ModelMismatch",
    "SharedLibraries",
    "SharedUnreachable",
    "SyncReport",
    "openable_locally",
]

log = logging.getLogger("hushdesk.shared")
ORIGIN = "shared:"  # the path of a colleague's file here starts with this
REFRESH_S = 60.0  # a question re-checks the server at most this often


@dataclass(frozen=True)
class SyncReport:
    sent: int
    received: int
    removed: int
    skipped: int = 0  # records from the server that did not hold to the schema


@dataclass(frozen=True)
class SharedState:
    name: str
    host: str
    synced_at: float
    problem: str  # "" when the last contact worked
    unencrypted: bool = False  # plain http:// to another computer: badged wherever shown


class _InMatter(MutableMapping[str, SharedLibrarySettings]):
    """The settings' shared libraries of one matter, by library name: the first
    matter's under their names (as before matters), another's under ``matter:ID/name``,
    so two matters may each share a library called "docs"."""

    def __init__(self, kept: dict[str, SharedLibrarySettings], matter: str) -> None:
        self._kept, self._prefix = kept, f"matter:{matter}/" if matter else ""

    def _key(self, name: str) -> str:
        return self._prefix + name

    def __getitem__(self, name: str) -> SharedLibrarySettings:
        return self._kept[self._key(name)]

    def __setitem__(self, name: str, value: SharedLibrarySettings) -> None:
        self._kept[self._key(name)] = value

    def __delitem__(self, name: str) -> None:
        del self._kept[self._key(name)]

    def __iter__(self) -> Iterator[str]:
        for key in list(self._kept):
            if self._prefix and key.startswith(self._prefix):
                yield key[len(self._prefix) :]
            elif not self._prefix and not key.startswith("matter:"):
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


class SharedLibraries:
    def __init__(
        self,
        settings: Settings,
        library: Callable[[], DocumentLibrary],
        registry: Registry,
        matter: str = "",
    ) -> None:
        """``matter``: the open matter's id ("" for the first matter)."""
        self.settings, self._library, self.registry = settings, library, registry
        self.kept = _InMatter(settings.shared, matter)
        self._shares: dict[str, Share] = {}
        self._problems: dict[str, str] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.RLock()  # one sync at a time (GUI, API, indexing threads)

    # -- what is shared -------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self.kept)

    def is_shared(self, name: str) -> bool:
        return name in self.kept

    def state(self, name: str) -> SharedState:
        kept = self.kept[name]
        host = ShareAddress(kept.url).host
        problem = self._problems.get(name, "")
        return SharedState(name, host, kept.synced_at, problem, is_unencrypted(kept.url))

    # -- attaching ------------------------------------------------------------------------

    def attach(
        self,
        name: str,
        url: str,
        *,
        token: str = "",
        ca_file: str | None = None,
        allow_unencrypted: bool = False,
    ) -> SyncReport:
        """Share the library ``name`` through the server at ``url`` (made there, or
        taken from there), then bring both sides level."""
        require_allowed(url, allow_unencrypted=allow_unencrypted)  # before anything is sent
        with self._lock:
            self._attach(
                name, Share(ShareAddress(url.strip().rstrip("/"), token.strip(), ca_file), name)
            )
        return self.sync(name)

    def _attach(self, name: str, share: Share) -> None:
        library = self._library()
        local = next((lib for lib in library.store.libraries() if lib.name == name), None)
        theirs = share.embedding_model()
        if theirs is None:
            model = local.embedding_model if local else library.library(name).embedding_model
            share.ensure(model)
        else:
            installed = self.registry.get(theirs)
            if installed is None or not installed.available:
                raise ModelMismatch(
                    f"The shared library {name!r} was indexed with the embedding model "
                    f"{theirs}, which is not installed here: install it first (Models)."
                )
            if local is not None and local.embedding_model != theirs:
                share.ensure(local.embedding_model)  # raises ModelMismatch with both names
            library.store.library(name, embedding_model=theirs)
        a = share.address
        self.kept[name] = SharedLibrarySettings(
            a.url, a.token, a.ca_file, allow_unencrypted=is_unencrypted(a.url)
        )
        self.settings.save()
        self._shares[name] = share

    def detach(self, name: str) -> None:
        """Stop sharing: this computer's copy stays, as a local library."""
        if self.kept.pop(name, None) is not None:
            self.settings.save()
        self._shares.pop(name, None)
        self._problems.pop(name, None)

    # -- bringing both sides level --------------------------------------------------------

    def sync(self, name: str) -> SyncReport:
        """Send this computer's files the server lacks; take what colleagues added; drop
        the copies of what they removed. Raises ``SharedUnreachable`` (and marks the
        library) when the server cannot be reached."""
        with self._lock:
            try:
                report = self._sync(name)
            except SharedUnreachable as exc:
                self._problems[name] = exc.message
                raise
            self._problems.pop(name, None)
            return report

    def _sync(self, name: str) -> SyncReport:
        """The rules: a file indexed here is never deleted by a sync — it is sent when
        the server lacks it (once: if a colleague later removes it there, it stays here
        unshared); a copy of a colleague's file follows the server; removals made here
        while the server was away are made there first."""
        kept = self.kept[name]
        share = self._share(name)
        library = self._library()
        local = library.library(name)
        theirs = share.embedding_model()
        if theirs and theirs != local.embedding_model:
            share.ensure(local.embedding_model)  # raises ModelMismatch, naming both
        for sha in list(kept.removals):
            share.remove(sha)
            del kept.removals[sha]
        skipped_before = share.skipped
        remote = share.files()
        sent = received = removed = 0
        mine = library.store.files(local, "done")
        have = {r.sha256 for r in mine}
        handled: set[str] = set()
        for record in mine:
            sha = record.sha256 or ""
            if record.path.startswith(ORIGIN):
                if sha not in remote:
                    library.remove(local, record.path)  # a colleague removed it there
                    removed += 1
                continue
            if sha in remote:
                kept.published.setdefault(sha, 1)
                continue
            if not sha or sha in handled or sha in kept.published:
                continue  # a duplicate, or removed there by a colleague: kept here only
            content = library.shared_content(local, record)
            if content is None:
                continue  # a duplicate of another file (sent with that one)
            share.publish(content.file, content.chunks, content.vectors, local.embedding_model)
            kept.published[sha] = 1
            handled.add(sha)
            sent += 1
        dimension = None
        for sha, shared in remote.items():
            if sha in have or sha in handled:
                continue
            dimension = dimension or library.dimension(local)
            content = share.content(sha, dimension)
            if content is None or content.records < shared.chunks:
                continue  # nothing usable, or still being sent: looked at again next time
            library.take_shared(local, content, f"{ORIGIN}{share.address.host}")
            received += 1
        kept.synced_at = time.time()
        self.settings.save()
        self._checked[name] = time.monotonic()
        return SyncReport(sent, received, removed, share.skipped - skipped_before)

    def indexed(self, library: Library) -> None:
        """Files were indexed into ``library``: if it is shared, they go to the server
        (now, or at the next sync when the server cannot be reached)."""
        if not self.is_shared(library.name):
            return
        try:
            self.sync(library.name)
        except SharedUnreachable:
            log.info("a shared library's server could not be reached; sent at the next sync")

    def removed(self, library: Library, sha256s: Sequence[str]) -> None:
        """Files were removed from ``library`` here: from the server too, if shared (now,
        or at the next sync), unless another file here still has the same content."""
        if not self.is_shared(library.name):
            return
        with self._lock:
            kept = self.kept[library.name]
            still = {r.sha256 for r in self._library().store.files(library)}
            for sha in sha256s:
                if sha not in still:
                    kept.published.pop(sha, None)
                    kept.removals[sha] = 1
            self.settings.save()
        try:
            self.sync(library.name)
        except SharedUnreachable:
            log.info("a shared library's server could not be reached; removed at the next sync")

    def refresh(self, names: Sequence[str]) -> None:
        """Before a search or a question: shared ones among ``names`` are brought level
        if that was not done in the last minute; an unreachable server leaves the copy
        here to answer (the library is marked)."""
        for name in names:
            if not self.is_shared(name):
                continue
            with self._lock:
                if time.monotonic() - self._checked.get(name, -REFRESH_S) < REFRESH_S:
                    continue
                self._checked[name] = time.monotonic()
            try:
                self.sync(name)
            except SharedUnreachable:
                log.info("a shared library's server could not be reached; using the copy here")
            except DocumentError:
                log.warning("a shared library could not be brought level", exc_info=True)

    def _share(self, name: str) -> Share:
        share = self._shares.get(name)
        if share is None:
            kept = self.kept.get(name)
            if kept is None:
                raise DocumentError(f"The library {name!r} is not shared.")
            # One shared before plain http:// was refused is held to the rule too.
            require_allowed(kept.url, allow_unencrypted=kept.allow_unencrypted)
            share = self._shares[name] = Share(
                ShareAddress(kept.url, kept.token, kept.ca_file), name
            )
        return share


def openable_locally(path: str) -> bool:
    """Whether a document's path names a file on this computer that may be opened in its
    own application. A colleague's file of a shared library (``shared:HOST/…``) has no
    copy here: its name came from a server and is never a path to open."""
    if path.startswith(ORIGIN):
        return False
    local = Path(path)
    return local.is_absolute() and local.is_file()
