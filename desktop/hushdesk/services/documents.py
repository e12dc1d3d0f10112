"""Document libraries: create and delete them, their files, search, the text of a
page, the matching model — for the Documents page and ``hushdesk search``.
(Indexing — adding files, pausing, watched folders — is ``services.indexing``.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushdesk.assistant.chat import Grounder
from hushdesk.assistant.grounding import Grounding, grounder_for
from hushdesk.errors import HushdeskError
from hushdesk.library.embedder import lower_priority
from hushdesk.library.ingest import FileEvent, IngestReport, length
from hushdesk.library.libraries import DocumentLibrary
from hushdesk.library.render import RenderedPage, render
from hushdesk.library.search import Hit, SearchResult
from hushdesk.library.store import FileRecord, Library
from hushdesk.models.registry import InstalledModel, Registry
from hushdesk.services.shared import SharedLibraries

__all__ = [
    "Documents",
    "FileEvent",
    "FileRecord",
    "Hit",
    "IngestReport",
    "Library",
    "LibraryState",
    "RenderedPage",
    "SearchResult",
    "length",
    "render",
]


@dataclass(frozen=True)
class LibraryState:
    """A library as its page shows it."""

    library: Library
    files: list[FileRecord]
    passages: int

    @property
    def ready(self) -> int:
        return sum(1 for f in self.files if f.status == "done")


class Documents:
    def __init__(
        self, library: DocumentLibrary, registry: Registry, shared: SharedLibraries | None = None
    ) -> None:
        self._library = library
        self._registry = registry
        self.shared = shared  # libraries kept on a Chroma server, when any

    # -- libraries ------------------------------------------------------------------------

    def libraries(self) -> list[Library]:
        return self._library.store.libraries()

    def names(self) -> list[str]:
        return [lib.name for lib in self._library.store.libraries()]

    def library(self, name: str, *, create: bool = True) -> Library:
        """The library called ``name``; created (with the default matching model) unless
        ``create`` is off, in which case a wrong name is a clear error."""
        return self._library.library(name, create=create)

    def require(self, names: list[str]) -> None:
        """A clear error, up front, for a library name that does not exist."""
        for name in names:
            self._library.library(name, create=False)

    def prepare(self) -> None:
        """The embedding model new libraries get, made ready ahead of the first document
        (on first use it is converted for OpenVINO, the longest wait of a first launch;
        off the GUI thread, at low priority)."""
        lower_priority()
        self._library.embedder().embed(["warm up"])

    def warm(self, names: Sequence[str]) -> None:
        """Ahead of the first question a conversation asks of these libraries: their
        embedding models and vectors loaded (slow work; off the GUI thread). A name that
        is gone is passed over: the question itself says so."""
        for name in names:
            try:
                library = self._library.library(name, create=False)
            except HushdeskError:
                continue
            self._library.warm(library)

    def delete(self, library: Library) -> None:
        """Forget a library: its records, text, vectors and the summaries made of its
        documents. The user's files stay."""
        self._library.delete_library(library)

    def state(self, library: Library) -> LibraryState:
        current = self._library.store.library_by_id(library.id) or library
        store = self._library.store
        return LibraryState(current, store.files(current), store.chunk_count(current))

    # -- files ----------------------------------------------------------------------------

    def ready_file(self, library: Library, path: str) -> FileRecord | None:
        """The file if it is indexed (ready to summarize or cite)."""
        record = self._library.store.file(library, path)
        return record if record is not None and record.status == "done" else None

    def remove(self, library: Library, paths: list[str]) -> None:
        """Take files out of a library (the files themselves stay); out of a shared
        library, they leave the server too."""
        store = self._library.store
        records = [r for r in (store.file(library, p) for p in paths) if r is not None]
        for path in paths:
            self._library.remove(library, path)
        if self.shared is not None:
            self.shared.removed(library, [r.sha256 for r in records if r.sha256])

    def page_text(self, file_id: int, page: int) -> str:
        """The stored text of a page (or section) of an indexed file."""
        return self._library.store.page_text(file_id, page)

    # -- matching -------------------------------------------------------------------------

    def embed(self, texts: Sequence[str], model_id: str | None = None) -> list[list[float]]:
        """Vectors of ``texts`` from an installed embedding model (the one new libraries
        get, when not given): the local API's embeddings."""
        return [list(map(float, v)) for v in self._library.embedder(model_id=model_id).embed(texts)]

    def embedding_models(self) -> list[InstalledModel]:
        return [m for m in self._registry.list("embedding") if m.available]

    def use_embedding_model(self, library: Library, model_id: str) -> Library:
        """Match with another model: every file is embedded again by the next indexing
        run (never searched with mixed vectors)."""
        return self._library.use_embedding_model(library, model_id)

    def grounder(self, names: Sequence[str]) -> Grounder | None:
        """Questions in a chat that answers from the libraries ``names`` are grounded in
        them; a shared one is brought level with its server first (if it answers)."""
        if not names:
            return None
        ground = grounder_for(self._library, names)
        if self.shared is None:
            return ground
        shared = self.shared

        def grounder(question: str) -> Grounding:
            shared.refresh(names)  # colleagues' newest files, at most once a minute
            return ground(question)

        return grounder

    def search(self, library: Library, query: str, k: int = 5) -> SearchResult:
        """Passages that answer ``query``; abstains when nothing is close enough. A
        shared library is brought level with its server first (if it answers)."""
        if self.shared is not None:
            self.shared.refresh([library.name])
        return self._library.search(library, query, k=k)
