"""Shared libraries: a library kept on a Chroma server the practice runs, so one
colleague ingests and everyone searches it and gets cited answers with page links.

Attaching one (``hushdesk libraries add NAME --server URL``, Documents → Share) makes
it exist on the server if it does not, with this computer's embedding model, or takes
the server's model (refused when it is not installed here or differs from the local
library's). Then ``sync`` sends what was indexed here and is not on the server yet, and
takes what colleagues added (and drops what they removed) into this computer's
encrypted copy, where search works as for a local library — and goes on working, from
that copy, while the server cannot be reached (the library is marked so).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hushdesk.errors import DocumentError
from hushdesk.library.shared import ModelMismatch, Share, ShareAddress, SharedUnreachable
from hushdesk.models.registry import Registry
from hushdesk.settings import Settings, SharedLibrarySettings

if TYPE_CHECKING:
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.store import Library

__all__ = ["ModelMismatch", "SharedLibraries", "SharedUnreachable", "SyncReport"]

log = logging.getLogger("hushdesk.shared")
ORIGIN = "shared:"  # the path of a colleague's file here starts with this
REFRESH_S = 60.0  # a question re-checks the server at most this often


@dataclass(frozen=True)
class SyncReport:
    sent: int
    received: int
    removed: int


@dataclass(frozen=True)
class SharedState:
    name: str
    host: str
    synced_at: float
    problem: str  # "" when the last contact worked


class SharedLibraries:
    def __init__(
        self, settings: Settings, library: Callable[[], DocumentLibrary], registry: Registry
    ) -> None:
        self.settings, self._library, self.registry = settings, library, registry
        self._shares: dict[str, Share] = {}
        self._problems: dict[str, str] = {}
        self._checked: dict[str, float] = {}

    # -- what is shared -------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self.settings.shared)

    def is_shared(self, name: str) -> bool:
        return name in self.settings.shared

    def state(self, name: str) -> SharedState:
        kept = self.settings.shared[name]
        host = ShareAddress(kept.url).host
        return SharedState(name, host, kept.synced_at, self._problems.get(name, ""))

    # -- attaching ------------------------------------------------------------------------

    def attach(
        self, name: str, url: str, *, token: str = "", ca_file: str | None = None
    ) -> SyncReport:
        """Share the library ``name`` through the server at ``url`` (made there, or
        taken from there), then bring both sides level."""
        share = Share(ShareAddress(url.strip().rstrip("/"), token.strip(), ca_file), name)
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
        self.settings.shared[name] = SharedLibrarySettings(share.address.url, token.strip(),
                                                           ca_file)  # fmt: skip
        self.settings.save()
        self._shares[name] = share
        return self.sync(name)

    def detach(self, name: str) -> None:
        """Stop sharing: this computer's copy stays, as a local library."""
        if self.settings.shared.pop(name, None) is not None:
            self.settings.save()
        self._shares.pop(name, None)
        self._problems.pop(name, None)

    # -- bringing both sides level --------------------------------------------------------

    def sync(self, name: str) -> SyncReport:
        """Send what was indexed here and is not on the server; take what colleagues
        added; drop what they removed. Raises ``SharedUnreachable`` (and marks the
        library) when the server cannot be reached."""
        try:
            report = self._sync(name)
        except SharedUnreachable as exc:
            self._problems[name] = exc.message
            raise
        self._problems.pop(name, None)
        return report

    def _sync(self, name: str) -> SyncReport:
        kept = self.settings.shared[name]
        share = self._share(name)
        library = self._library()
        local = library.library(name)
        remote = share.files()
        sent = received = removed = 0
        mine = library.store.files(local, "done")
        have = {r.sha256 for r in mine}
        for record in mine:
            if record.sha256 in remote:
                continue
            if record.path.startswith(ORIGIN) or (record.sha256 or "") not in kept.pending:
                library.remove(local, record.path)  # a colleague removed it from the server
                removed += 1
                continue
            content = library.shared_content(local, record)
            if content is not None:
                share.publish(content.file, content.chunks, content.vectors, local.embedding_model)
                sent += 1
            kept.pending.pop(record.sha256 or "", None)
        for sha in remote:
            if sha not in have:
                library.take_shared(local, share.content(sha), f"{ORIGIN}{share.address.host}")
                received += 1
        kept.synced_at = time.time()
        self.settings.save()
        self._checked[name] = time.monotonic()
        return SyncReport(sent, received, removed)

    def indexed(self, library: Library) -> None:
        """Files were indexed into ``library``: if it is shared, they go to the server
        (now, or at the next sync when the server cannot be reached)."""
        if not self.is_shared(library.name):
            return
        kept = self.settings.shared[library.name]
        for record in self._library().store.files(library, "done"):
            if not record.path.startswith(ORIGIN) and record.sha256:
                kept.pending.setdefault(record.sha256, 1)
        self.settings.save()
        try:
            self.sync(library.name)
        except SharedUnreachable:
            log.info("a shared library's server could not be reached; sent at the next sync")

    def removed(self, library: Library, sha256s: Sequence[str]) -> None:
        """Files were removed from ``library`` here: from the server too, if shared."""
        if not self.is_shared(library.name):
            return
        share = self._share(library.name)
        for sha in sha256s:
            self.settings.shared[library.name].pending.pop(sha, None)
            share.remove(sha)
        self.settings.save()

    def refresh(self, names: Sequence[str]) -> None:
        """Before a search or a question: shared ones among ``names`` are brought level
        if that was not done in the last minute; an unreachable server leaves the copy
        here to answer (the library is marked)."""
        for name in names:
            if not self.is_shared(name):
                continue
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
            kept = self.settings.shared.get(name)
            if kept is None:
                raise DocumentError(f"The library {name!r} is not shared.")
            share = self._shares[name] = Share(
                ShareAddress(kept.url, kept.token, kept.ca_file), name
            )
        return share
