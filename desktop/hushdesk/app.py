"""The composition root: everything a process needs, wired once.

The GUI, the command line and the tests build one ``App``; it owns the settings, the
stores, the model runtime and the services, and hands each service what it uses.
Nothing below this module imports it. Services that open a database or a heavy
library are built on first use, so the window paints before any of that happens.

An ``App`` needs the data unlocked: the front end unlocks the ``Vault`` first (a
dialog, a terminal prompt), or the passphrase file or the keychain do it here. A key
change a crash interrupted is finished before any store opens, and the process holds
the data folder (``datalock``) until ``close()``, so a wipe or a key change elsewhere
waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hushdesk import paths, policy
from hushdesk import settings as settings_mod
from hushdesk.datalock import DataInUse
from hushdesk.engine.base import Engine
from hushdesk.models import bundled
from hushdesk.models.registry import Registry
from hushdesk.services.conversations import Conversations
from hushdesk.services.keys import Keys
from hushdesk.services.matters import DEFAULT, Matter, MatterError, Matters, MatterStores
from hushdesk.services.preferences import Preferences
from hushdesk.services.retention import Pruned, prune
from hushdesk.services.runtime import ModelRuntime
from hushdesk.services.wipe import in_use, remove_legacy_plaintext
from hushdesk.vault import Locked, Vault, unlock_without_asking

if TYPE_CHECKING:
    from hushdesk.library.embedder import Embedder
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.services.compare import Compare
    from hushdesk.services.connections import Connections
    from hushdesk.services.documents import Documents
    from hushdesk.services.downloads import Downloads
    from hushdesk.services.drafts import Drafts
    from hushdesk.services.handover import Imported
    from hushdesk.services.indexing import Indexing
    from hushdesk.services.models import Models
    from hushdesk.services.recordings import Recordings
    from hushdesk.services.review import Reviews
    from hushdesk.services.shared import SharedLibraries
    from hushdesk.services.summaries import Summaries
    from hushdesk.services.writing import WritingTasks
    from hushdesk.sqlitedb import Database


S = TypeVar("S", bound="Database")
CLOSED = "“{name}” is closed, so nothing in it can change: reopen it first (Matters)."


class App:
    def __init__(
        self,
        *,
        vault: Vault | None = None,
        settings: settings_mod.Settings | None = None,
        registry: Registry | None = None,
        engine: Engine | None = None,
        matter: str | None = None,
    ) -> None:
        self.policy = policy.load()  # a broken policy file stops here: locks fail closed
        paths.make_private()  # an older install, or files copied in, made private
        self.vault = vault if vault is not None else Vault()
        if not unlock_without_asking(self.vault):
            raise Locked("Your data is locked: unlock it first.")
        self.keys = Keys(self.vault, self.stores)
        self.keys.resume()  # a key change a crash interrupted, before any store opens
        self.hold = in_use()
        try:
            self.vault.reload()  # keys changed elsewhere since this process unlocked?
            if self.vault.rotating:  # one began and stopped since resume() looked
                raise DataInUse("Your keys were being changed just now; start again.")
        except BaseException:
            self.hold.release()
            raise
        remove_legacy_plaintext()
        self.settings = settings if settings is not None else settings_mod.load()
        self.settings.attach_private(self.vault.sealed(paths.profile_file(), "profile"))
        self.registry = registry if registry is not None else Registry()
        bundled.ensure_registered(self.registry)
        self.runtime = ModelRuntime(self.settings, self.registry, engine)
        self.preferences = Preferences(self.settings)
        self.matters = Matters(self.vault)
        self._embedders: dict[str, Embedder] = {}  # by model, shared by the matters
        self._embedders_lock = threading.Lock()
        self.matter: Matter = self.matters.get(matter or DEFAULT)

    # -- the open matter --------------------------------------------------------------------

    def open_matter(self, name_or_id: str) -> Matter:
        """Another matter's conversations, libraries, summaries and drafts: the open
        one's services are closed (their work must have stopped) and built again, on
        first use, over the new one's stores."""
        matter = self.matters.get(name_or_id)
        self._close_matter()
        self.matter = matter
        return matter

    def refresh_matter(self) -> Matter:
        """The open matter as now recorded (renamed, instructions changed, closed)."""
        self.matter = self.matters.get(self.matter.id)
        opened = self.__dict__
        if "conversations" in opened:
            self.conversations.standing = self.matter.instructions
        for name in ("conversations", "library", "summaries", "drafts"):
            if name in opened:
                self._guard(opened[name].store)
        return self.matter

    def _guard(self, store: Database) -> None:
        """A closed matter's store refuses every change, saying why."""
        closed = self.matter.closed
        store.set_read_only(CLOSED.format(name=self.matter.name) if closed else None)

    def delete_matter(self, name_or_id: str) -> None:
        """Delete a matter (key first, then its stores); the open one is closed first and
        the first matter opened instead."""
        matter = self.matters.get(name_or_id)
        if matter.id == self.matter.id:
            self.open_matter(DEFAULT)
        self.matters.delete(matter)

    def export_matter(self, name_or_id: str, out: Path, passphrase: str, **job: Any) -> Path:
        """A matter as one encrypted archive (``services.handover``)."""
        from hushdesk.services.handover import export_matter

        return export_matter(self.matters.get(name_or_id), self.stores_of, out, passphrase, **job)

    def archive_matter(self, name_or_id: str, out: Path, passphrase: str, **job: Any) -> Path:
        """A closed case put away: exported to ``out``, then deleted here (only once the
        archive is whole and opens with the passphrase)."""
        from hushdesk.services.handover import check_archive

        matter = self.matters.get(name_or_id)
        self.export_matter(matter.id, out, passphrase, **job)
        check_archive(out, passphrase)
        self.delete_matter(matter.id)
        return out

    def import_matter(
        self, archive: Path, passphrase: str, name: str | None = None, **job: Any
    ) -> Imported:
        """An archived matter, as a new matter here."""
        from hushdesk.services.handover import import_matter

        return import_matter(self.matters, archive, passphrase, name=name, **job)

    def move_conversation(self, conversation_id: int, to: str) -> int:
        """A conversation of the open matter moved to another, whole (its setup, its
        answers' sources); its id there. Copied first, then removed here: stopped
        between the two, it is in both, never in neither."""
        from hushdesk.assistant.chat_store import NewMessage

        target = self.matters.get(to)
        if target.id == self.matter.id:
            raise MatterError(f"It is in “{target.name}” already.")
        store = self.conversations.store
        conversation = store.require(conversation_id)
        messages = [
            NewMessage(m.role, m.content, m.status, m.citations, m.checks)
            for m in store.messages(conversation_id)
        ]
        with self.stores_of(target) as there:
            moved = there.conversations.add_whole(
                conversation.title, conversation.created_at, conversation.updated_at,
                messages, like=conversation,
            )  # fmt: skip
        store.remove(conversation_id)
        return moved

    def apply_retention(self, now: float | None = None) -> list[Pruned]:
        """Every matter's retention applied (at start, daily); what went."""
        return prune(self.matters, self.stores_of, now)

    @contextmanager
    def stores_of(self, matter: Matter) -> Iterator[MatterStores]:
        """A matter's stores: the open matter's as they are, another's opened for the
        block (closed after it)."""
        if matter.id == self.matter.id:
            yield MatterStores(
                self.conversations.store, self.library.store, self.summaries.store,
                self.drafts.store,
            )  # fmt: skip
            return
        stores = MatterStores.open(
            lambda name: self.matters.store_key(matter, name),
            lambda name: self.matters.store_path(matter, name),
        )
        if matter.closed:
            for store in stores.by_name().values():
                store.set_read_only(CLOSED.format(name=matter.name))
        try:
            yield stores
        finally:
            stores.close()

    def _open_store(self, kind: Callable[[bytes, Path], S], name: str) -> S:
        """One of the open matter's stores, under its key (read-only when it is closed)."""
        store = kind(
            self.matters.store_key(self.matter, name), self.matters.store_path(self.matter, name)
        )
        self._guard(store)
        return store

    # -- services -------------------------------------------------------------------------

    @cached_property
    def conversations(self) -> Conversations:
        from hushdesk.assistant.chat_store import ConversationStore

        store = self._open_store(ConversationStore, "conversations")
        # a lambda: the document libraries open only when a question is grounded
        grounder = lambda names: self.documents.grounder(names)  # noqa: E731, PLW0108
        return Conversations(
            store, self.settings, self.runtime, grounder, standing=self.matter.instructions
        )

    @cached_property
    def library(self) -> DocumentLibrary:
        """The document libraries' store, index and embedders (shared by the services
        below; heavy parts load when first used)."""
        from hushdesk.library.libraries import DocumentLibrary
        from hushdesk.library.store import DocumentStore

        store = self._open_store(DocumentStore, "library")
        return DocumentLibrary(
            self.registry,
            store,
            embedder_factory=self._embedder,
            # a lambda: the summaries' store opens only when a document is deleted
            on_forget=lambda ids: self.summaries.forget_files(ids),  # noqa: PLW0108
            hearing=self.recordings.hearing,
        )

    def _embedder(self, model_id: str) -> Embedder:
        """One embedder per model for every matter: opening another matter does not
        load the embedding model again."""
        from hushdesk.library.libraries import embedder_of

        with self._embedders_lock:
            if model_id not in self._embedders:
                self._embedders[model_id] = embedder_of(self.registry, model_id)
            return self._embedders[model_id]

    @cached_property
    def documents(self) -> Documents:
        from hushdesk.services.documents import Documents

        return Documents(self.library, self.registry, self.shared)

    @cached_property
    def indexing(self) -> Indexing:
        from hushdesk.services.indexing import Indexing

        return Indexing(self.library, self.shared.indexed)

    @cached_property
    def shared(self) -> SharedLibraries:
        """Libraries kept on a Chroma server the practice runs (imports nothing heavy)."""
        from hushdesk.services.shared import SharedLibraries

        matter = "" if self.matter.default else self.matter.id
        return SharedLibraries(self.settings, lambda: self.library, self.registry, matter)

    @cached_property
    def summaries(self) -> Summaries:
        from hushdesk.assistant.summarize.store import SummaryStore
        from hushdesk.services.summaries import Summaries

        store = self._open_store(SummaryStore, "summaries")
        return Summaries(store, self.runtime, lambda: self.library, self.recordings.hearing)

    @cached_property
    def reviews(self) -> Reviews:
        """Review grids, kept in the library's store (no store of their own)."""
        from hushdesk.services.review import Reviews

        return Reviews(lambda: self.library, self.runtime)

    @cached_property
    def drafts(self) -> Drafts:
        from hushdesk.assistant.email.store import DraftStore
        from hushdesk.services.drafts import Drafts

        store = self._open_store(DraftStore, "drafts")
        return Drafts(store, self.runtime, self.preferences, lambda: self.library)

    @cached_property
    def writing(self) -> WritingTasks:
        from hushdesk.services.writing import WritingTasks

        return WritingTasks(self.runtime)

    @cached_property
    def compare(self) -> Compare:
        """Two versions of a document compared (no store: nothing of it is kept)."""
        from hushdesk.services.compare import Compare

        return Compare(self.runtime)

    @cached_property
    def recordings(self) -> Recordings:
        """Recordings transcribed offline (nothing kept: a library keeps its own)."""
        from hushdesk.services.recordings import Recordings

        return Recordings(self.settings, self.registry)

    @cached_property
    def models(self) -> Models:
        from hushdesk.models import catalog
        from hushdesk.services.models import Models

        return Models(self.settings, self.registry, catalog.load(), self.runtime)

    @cached_property
    def connections(self) -> Connections:
        """Servers the user added, whose models answer like the local ones."""
        from hushdesk.services.connections import Connections

        return Connections(self.settings, self.runtime)

    @cached_property
    def downloads(self) -> Downloads:
        from hushdesk.services.downloads import Downloads

        return Downloads(self.models)

    def stores(self) -> dict[str, Database]:
        """The stores a key change re-keys, opened, so it goes through their own
        connections: the first matter's (the others' keys are in the sealed list of
        matters, which the change re-seals; their stores stay as they are)."""
        if not self.matter.default:
            return {}
        return {
            "conversations": self.conversations.store,
            "library": self.library.store,
            "summaries": self.summaries.store,
            "drafts": self.drafts.store,
        }

    # -- shutdown -------------------------------------------------------------------------

    def close(self) -> None:
        """Close what was opened (services never built are left alone)."""
        self._close_matter()
        if "recordings" in self.__dict__:
            self.recordings.close()
        for name in ("writing", "compare", "recordings", "downloads", "models", "connections"):
            self.__dict__.pop(name, None)
        self.runtime.close()
        self.hold.release()

    def _close_matter(self) -> None:
        """The open matter's services and stores."""
        opened = self.__dict__
        for name in ("drafts", "summaries", "conversations"):
            if name in opened:
                opened.pop(name).close()
        if "library" in opened:
            opened.pop("library").close()
        for name in ("documents", "indexing", "shared", "reviews"):
            opened.pop(name, None)
