"""Ingesting files into a library: hash each (skip if unchanged) → read it in a child
process → chunks → store (one transaction; the file becomes "embedding") → embed in
batches and write vectors → "done". The next file is read while this one is embedded.
Killed at any moment, the next run picks up every file that is not done; nothing
half-indexed is ever returned by a search (the store filters on "done").
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from hushdesk.errors import Cancelled, DocumentError, EncryptedDocument, HushdeskError
from hushdesk.fsutil import locked
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker
from hushdesk.library import loaders, recordings, sheets
from hushdesk.library.chunker import chunk_pages, embedding_text, heading
from hushdesk.library.document import LoadedDocument
from hushdesk.library.embedder import Embedder, lower_priority
from hushdesk.library.index import VectorIndex
from hushdesk.library.store import DocumentStore, FileRecord, Library, Status
from hushdesk.speech.transcript import clock

EMBED_BATCH = 128  # passages embedded and stored at a time (the embedder batches within)
UNFINISHED = ("queued", "parsing", "embedding")
READYING = "Getting the matching model ready (the first time takes a minute)…"


@dataclass(frozen=True)
class FileEvent:
    """What happened to one file, for per-file status lines and rows."""

    path: str
    status: Status | str  # the store's statuses, plus "unchanged" and "duplicate"
    detail: str = ""


@dataclass
class IngestReport:
    events: list[FileEvent] = field(default_factory=list)
    dropped: int = 0  # files not indexed yet that a cancel took out

    @property
    def failed(self) -> list[FileEvent]:
        return [e for e in self.events if e.status == "failed"]

    @property
    def done(self) -> list[FileEvent]:
        return [e for e in self.events if e.status in ("done", "unchanged", "duplicate")]


class ReadAhead:
    """Reads file i + 1 (in its own child process) while file i is chunked and embedded:
    indexing is bound by embedding, so starting a reader and reading are hidden behind
    it. One file ahead at most; what is left unread when indexing stops is stopped with
    it. A recording is heard as ``hearing`` says, its transcription keeping its windows in
    ``store`` as they are done (a stopped run resumes from them) and telling its
    progress while file i waits for it."""

    def __init__(
        self,
        records: list[FileRecord],
        password_for: Callable[[Path], str | None] | None,
        cancel: CancelToken,
        store: DocumentStore | None = None,
        hearing: recordings.Hearing | None = None,
    ) -> None:
        self._records = records
        self._password_for = password_for
        self._cancel = cancel
        self._store = store
        self._hearing = hearing or recordings.Hearing()
        self._stop = CancelToken()  # this reader's own: set when indexing stops
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hushdesk-read")
        self._reads: dict[int, Future[LoadedDocument]] = {}
        self._progress: dict[int, Progress] = {}  # a long read's (a transcription's)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, i: int) -> Future[LoadedDocument]:
        if i not in self._reads:
            record = self._records[i]
            path = Path(record.path)
            password = self._password_for(path) if self._password_for else None
            hearing = replace(self._hearing, store=self._store, sha256=record.sha256 or "")
            self._reads[i] = self._pool.submit(
                loaders.load, path, password, cancel=self._stop, hearing=hearing,
                progress=functools.partial(self._progress.__setitem__, i),
            )  # fmt: skip
        return self._reads[i]

    def read(self, i: int, waiting: Callable[[Progress], None] | None = None) -> LoadedDocument:
        """File i's document (or its reader's error), the next file's read started;
        ``waiting`` hears a long read's progress while it goes on."""
        for skipped in [k for k in self._reads if k < i]:  # files that needed no reading
            self._reads.pop(skipped).cancel()
        future = self._start(i)
        following = i + 1
        if following < len(self._records) and self._records[following].status != "embedding":
            self._start(following)  # an "embedding" file is not read again: it resumes
        told = None
        try:
            while True:
                self._cancel.raise_if_cancelled()
                with contextlib.suppress(TimeoutError):
                    return future.result(timeout=0.1)
                if waiting is not None and self._progress.get(i) is not told:
                    told = self._progress[i]
                    waiting(told)
        finally:
            self._reads.pop(i, None)
            self._progress.pop(i, None)


@contextlib.contextmanager
def indexing_lock(store: DocumentStore) -> Iterator[None]:
    """One indexing job at a time across processes (the app, the command line)."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locked(store.path.with_suffix(".indexing.lock"), wait=False))
        except BlockingIOError:
            raise DocumentError(
                "Documents are already being indexed by another Hushdesk window or "
                "command. Try again when it has finished."
            ) from None
        yield


class Ingest:
    """One indexing run over one library: queue what changed, then index every file
    that is not done. Call ``run`` under ``indexing_lock``."""

    def __init__(
        self,
        store: DocumentStore,
        index: VectorIndex,
        embedder_for: Callable[[Library], Embedder],
        library: Library,
        *,
        cancel: CancelToken,
        progress: ProgressCallback | None = None,
        on_file: Callable[[FileEvent], None] | None = None,
        password_for: Callable[[Path], str | None] | None = None,
        hearing: recordings.Hearing | None = None,
    ) -> None:
        self.store = store
        self.index = index
        self._embedder_for = embedder_for
        self.library = library
        self._cancel = cancel
        self._progress = progress
        self._on_file = on_file
        self._password_for = password_for
        self._hearing = hearing  # how its recordings are heard (the user's speech model)
        self.report = IngestReport()

    def run(self, sources: Iterable[Path], *, retry_failed: bool) -> IngestReport:
        lower_priority()
        self._queue(expand(sources), retry_failed=retry_failed)
        pending = unfinished(self.store, self.library)
        tracker = ProgressTracker(total=len(pending) or 1, label="Indexing")
        progress = self._progress
        with ReadAhead(
            pending, self._password_for, self._cancel, self.store, self._hearing
        ) as reader:
            if pending:
                self._get_ready(tracker)
            for done, record in enumerate(pending):
                self._cancel.raise_if_cancelled()
                if progress is not None:
                    progress(tracker.update(done, f"{record.name} ({done + 1} of {len(pending)})"))

                def within(fraction: float, done: int = done, name: str = record.name) -> None:
                    if progress is not None:
                        progress(tracker.update(max(tracker.done, done + fraction), name))

                def read(done: int = done, name: str = record.name) -> LoadedDocument:
                    def waiting(heard: Progress) -> None:  # a recording being transcribed
                        if progress is not None:
                            share = heard.done / heard.total if heard.total else 0.0
                            progress(tracker.update(done + 0.9 * share, f"{name}: {heard.label}"))

                    return reader.read(done, waiting)

                self._tell(self._index_file(record, within=within, read=read))
        if progress is not None:
            progress(tracker.update(len(pending) or 1, "Done"))
        return self.report

    def _get_ready(self, tracker: ProgressTracker) -> None:
        """The embedding model loaded while the first files are read (the first time it
        is also prepared for this computer: the longest wait of a first launch), said so
        rather than shown as a file stuck at 0 %. A model that cannot load is each file's
        failure, told with it."""
        try:
            embedder = self._embedder_for(self.library)
            if not embedder.ready:
                if self._progress is not None:
                    self._progress(tracker.update(0, READYING))
                embedder.embed(["warm up"])
        except HushdeskError:
            pass

    def _tell(self, event: FileEvent) -> None:
        self.report.events.append(event)
        if self._on_file is not None:
            self._on_file(event)

    def _queue(self, files: list[Path], *, retry_failed: bool) -> None:
        library = self.library
        for path in files:
            existing = self.store.file(library, str(path))
            try:
                stat = path.stat()
                if (
                    existing
                    and existing.status == "done"
                    and existing.size == stat.st_size
                    and existing.mtime == stat.st_mtime
                ):
                    self._tell(FileEvent(str(path), "unchanged"))  # same size and time: not re-read
                    continue
                digest = sha256_of(path)
            except OSError as exc:
                self._tell(FileEvent(str(path), "failed", f"cannot be read ({exc.strerror})"))
                continue
            if existing and existing.sha256 == digest and existing.status == "done":
                self._tell(FileEvent(str(path), "unchanged"))
                continue
            if (
                existing
                and existing.sha256 == digest
                and existing.status == "failed"
                and not retry_failed
            ):
                continue  # a folder rescan does not re-try a file that failed, unchanged
            self.store.queue(
                library, str(path), sha256=digest, size=stat.st_size, mtime=stat.st_mtime
            )
            self._tell(FileEvent(str(path), "queued"))

    def _index_file(
        self,
        record: FileRecord,
        *,
        within: Callable[[float], None],
        read: Callable[[], LoadedDocument],
    ) -> FileEvent:
        path = Path(record.path)
        try:
            if record.status != "embedding":  # a crash after parsing resumes at embedding
                twin = self.store.done_with_hash(self.library, record.sha256 or "")
                if twin is not None and twin.id != record.id:
                    # Its vectors go with its chunks.
                    self.store.mark_duplicate(record.id, twin.name)
                    return FileEvent(record.path, "duplicate", f"same content as {twin.name}")
                if not path.exists():
                    raise DocumentError(f"{path.name} no longer exists.")
                self.store.set_status(record.id, "parsing")
                self._tell(FileEvent(record.path, "parsing"))
                document = read()
                chunks = chunk_pages(document.pages)
                self.store.replace_content(record.id, document, chunks)
                if document.kind == recordings.KIND and record.sha256:
                    self.store.forget_transcript(record.sha256)  # its windows: now its text
            self._tell(FileEvent(record.path, "embedding"))
            self._embed(record.id, within)
            self.store.set_status(record.id, "done")
        except Cancelled:
            raise  # stays parsing/embedding: resumed next time
        except EncryptedDocument as exc:
            self.store.set_status(record.id, "failed", exc.message)
            return FileEvent(record.path, "failed", exc.message)
        except HushdeskError as exc:
            self.store.set_status(record.id, "failed", exc.message)
            return FileEvent(record.path, "failed", exc.message)
        final = self.store.file_by_id(record.id)
        warnings = "; ".join(final.warnings) if final else ""
        pages = f"{final.pages} {_units(final)}" if final else ""
        return FileEvent(record.path, "done", f"{pages}" + (f" — {warnings}" if warnings else ""))

    def _embed(self, file_id: int, within: Callable[[float], None]) -> None:
        chunks = self.store.chunks_of(file_id)
        # The model may have changed since the run began.
        library = self.store.library_by_id(self.library.id) or self.library
        embedder = self._embedder_for(library)
        record = self.store.file_by_id(file_id)
        head = heading(record.name, record.title) if record else ""
        for start in range(0, len(chunks), EMBED_BATCH):
            self._cancel.raise_if_cancelled()
            batch = chunks[start : start + EMBED_BATCH]
            vectors = embedder.embed([embedding_text(c.text, head) for c in batch])
            self.index.upsert(library, [c.id for c in batch], vectors)
            within((start + len(batch)) / max(1, len(chunks)))


def length(record: FileRecord) -> str:
    """A file's length as the file list says it: "12 pages", "40 rows", "4:05" for a
    recording; "" before it was read."""
    if record.duration_s is not None:
        return clock(record.duration_s)
    return f"{record.pages} {_units(record)}" if record.pages else ""


def _units(record: FileRecord) -> str:
    if record.paginated:
        return "pages"
    if record.kind == recordings.KIND:
        return "timed passages"
    return "rows" if record.kind in sheets.KINDS else "sections"


def expand(sources: Iterable[Path]) -> list[Path]:
    """Files to index: the files given, and every supported file inside folders."""
    out: list[Path] = []
    for given in sources:
        source = given.expanduser().resolve()
        if source.is_dir():
            out.extend(
                sorted(
                    p
                    for p in source.rglob("*")
                    if p.is_file()
                    and loaders.supported(p)
                    and not any(part.startswith(".") for part in p.relative_to(source).parts)
                )
            )
        else:
            out.append(source)
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def unfinished(store: DocumentStore, library: Library) -> list[FileRecord]:
    return [f for f in store.files(library) if f.status in UNFINISHED]
