"""Summaries: read a source, summarize it on the chat model (resumable), keep it with
its document, list, show, export and delete — for the Summarize page and
``hushdesk summarize`` alike."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk.assistant.evidence import Meaning
from hushdesk.assistant.summarize import export as export_mod
from hushdesk.assistant.summarize import sources
from hushdesk.assistant.summarize.options import Length, Mode, Options, lengths, modes
from hushdesk.assistant.summarize.results import Source, Summary
from hushdesk.assistant.summarize.store import SavedSummary, SummaryStore
from hushdesk.assistant.summarize.summarizer import Summarizer
from hushdesk.errors import Cancelled, DocumentError, HushdeskError, StoreError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, TextCallback
from hushdesk.library.recordings import Hearing
from hushdesk.services.runtime import ModelRuntime

if TYPE_CHECKING:
    from hushdesk.library.libraries import DocumentLibrary

__all__ = [
    "Length",
    "Mode",
    "Options",
    "SavedSummary",
    "Source",
    "Summaries",
    "Summary",
    "lengths",
    "modes",
]

log = logging.getLogger("hushdesk.summarize")


class Summaries:
    def __init__(
        self,
        store: SummaryStore,
        runtime: ModelRuntime,
        library: Callable[[], DocumentLibrary],
        hearing: Callable[[], Hearing] = Hearing,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self._library = library  # opened only when a library document is involved
        self._hearing = hearing  # a recording summarized from its file: how it is heard

    # -- sources --------------------------------------------------------------------------

    def from_file(
        self, path: Path, *, password: str | None = None, cancel: CancelToken | None = None
    ) -> Source:
        """Any supported file, read in a child process (scanned pages by OCR, recordings
        transcribed)."""
        return sources.from_file(path, password=password, cancel=cancel, hearing=self._hearing())

    def from_text(self, text: str, name: str = "Pasted text") -> Source:
        return sources.from_text(text, name)

    def from_library(self, file_id: int) -> Source:
        return sources.from_library(self._library().store, file_id)

    def find_in_library(self, library_name: str, document: str) -> Source:
        """A document of a library by its name, path or id."""
        library = self._library()
        chosen = library.library(library_name, create=False)
        for record in library.store.files(chosen, "done"):
            if document in (record.name, record.path, str(record.id)):
                return self.from_library(record.id)
        raise HushdeskError(f"No indexed document called {document!r} in {library_name}.")

    def library_documents(self) -> list[tuple[str, int]]:
        """("Library: file name", file id) of every document ready to summarize."""
        library = self._library()
        return [
            (f"{lib.name}: {record.name}", record.id)
            for lib in library.store.libraries()
            for record in library.store.files(lib, "done")
        ]

    # -- running --------------------------------------------------------------------------

    def run(
        self,
        source: Source,
        options: Options,
        *,
        model: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_text: TextCallback | None = None,
        summary_id: int | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> SavedSummary:
        """Summarize ``source`` (or resume job ``summary_id``); raises ``Cancelled`` when
        cancelled, leaving the job resumable. ``on_start`` learns the job's id at once."""
        options.check()
        chosen = self.runtime.chat_model(model)
        if summary_id is None:
            summary_id = self.store.start(source, options, chosen.name)
        else:
            self.store.restart(summary_id, chosen.name)
        if on_start is not None:
            on_start(summary_id)
        with self._finishing(summary_id):
            if progress:
                progress(Progress(0, None, f"Loading {chosen.name}"))
            self.runtime.ensure_loaded(chosen)
            summarizer = Summarizer(
                self.runtime.engine_for(chosen),
                self.store,
                model_key=chosen.id,
                meaning=self._meaning(),
            )
            summary = summarizer.run(
                source, options, progress=progress, cancel=cancel, on_text=on_text
            )
            self.store.finish(summary_id, "done", summary=summary)
        saved = self.store.get(summary_id)
        assert saved is not None
        return saved

    def _meaning(self) -> Meaning | None:
        """The embedding model's vectors, to hold statements to their pages by meaning;
        without an embedding model, by their words alone."""
        try:
            return self._library().embedder().embed
        except DocumentError:
            return None

    def resume(
        self,
        summary_id: int,
        *,
        model: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_text: TextCallback | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> SavedSummary:
        """Finish a stopped summary: finished steps are reused."""
        saved = self.store.get(summary_id)
        if saved is None:
            raise HushdeskError("That summary was deleted.")
        source = self.store.source(saved.source)
        assert source is not None  # a summary keeps its source
        return self.run(
            source,
            saved.options,
            model=model,
            progress=progress,
            cancel=cancel,
            on_text=on_text,
            summary_id=summary_id,
            on_start=on_start,
        )

    @contextmanager
    def _finishing(self, summary_id: int) -> Iterator[None]:
        try:
            yield
        except Cancelled:
            self.store.finish(summary_id, "cancelled", error="Cancelled.")
            raise
        except BaseException as exc:
            message = exc.message if isinstance(exc, HushdeskError) else str(exc)
            try:
                self.store.finish(summary_id, "failed", error=message or type(exc).__name__)
            except StoreError:
                log.exception("could not record the failure of summary %s", summary_id)
            raise

    # -- saved summaries ------------------------------------------------------------------

    def all(self) -> list[SavedSummary]:
        """Newest first."""
        return self.store.find()

    def get(self, summary_id: int) -> SavedSummary | None:
        return self.store.get(summary_id)

    def finished(self, summary_id: int) -> SavedSummary:
        shown = self.store.get(summary_id)
        if shown is None or shown.summary is None:
            raise HushdeskError(f"No finished summary has the id {summary_id}.")
        return shown

    def latest(
        self, *, source: str | None = None, file_id: int | None = None, path: str | None = None
    ) -> SavedSummary | None:
        """The newest summary of a source, a library document or a file."""
        found = self.store.find(source=source, file_id=file_id, path=path)
        return found[0] if found else None

    def interrupted(self) -> list[SavedSummary]:
        """Jobs a quit or a crash cut short: marked stopped, so they can be resumed."""
        return self.store.interrupted()

    def page_text(self, saved: SavedSummary, page: int) -> str:
        return self.store.page_text(saved.source, page)

    def forget_files(self, file_ids: list[int]) -> int:
        """Library documents deleted: the summaries of them (and their text) go."""
        return self.store.forget_files(file_ids)

    def delete(self, summary_id: int) -> None:
        self.store.delete(summary_id)

    def export(self, saved: SavedSummary, path: Path) -> Path:
        """Markdown (.md) or Word (.docx), chosen by the file's suffix."""
        return export_mod.export(saved, path)

    def close(self) -> None:
        self.store.close()
