"""What can be summarized: a file (read in a child), pasted text, a library document."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk.assistant.summarize.results import Page, Source
from hushdesk.errors import HushdeskError
from hushdesk.jobs import CancelToken

if TYPE_CHECKING:
    from hushdesk.library.recordings import Hearing
    from hushdesk.library.store import DocumentStore


def from_file(
    path: Path,
    *,
    password: str | None = None,
    cancel: CancelToken | None = None,
    hearing: Hearing | None = None,
) -> Source:
    """Read any supported file (in a child process, scanned pages by OCR, a recording
    transcribed as ``hearing`` says)."""
    from hushdesk.library import loaders

    document = loaders.load(path, password, cancel=cancel, hearing=hearing)
    return Source(
        name=path.name,
        pages=tuple(Page(p.number, p.text, p.label) for p in document.pages),
        paginated=document.paginated,
        path=str(path.resolve()),
        warnings=tuple(document.warnings),
    )


def from_text(text: str, name: str = "Pasted text") -> Source:
    from hushdesk.library.loaders import sections
    from hushdesk.library.text import clean

    pages = sections(clean(text))
    if not pages:
        raise HushdeskError("There is no text to summarize.")
    return Source(name=name, pages=tuple(Page(p.number, p.text) for p in pages), paginated=False)


def from_library(store: DocumentStore, file_id: int) -> Source:
    record = store.file_by_id(file_id)
    if record is None or record.status != "done":
        raise HushdeskError("That document is not in the library (any more).")
    pages = store.pages(file_id)
    labels = {c.page: c.label for c in store.chunks_of(file_id) if c.label}
    return Source(
        name=record.name,
        pages=tuple(Page(n, t, labels.get(n, "")) for n, t in pages),
        paginated=record.paginated,
        path=record.path,
        file_id=file_id,
        warnings=tuple(record.warnings),
    )
