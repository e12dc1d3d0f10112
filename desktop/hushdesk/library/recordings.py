"""A recording as a document: its transcript, in short timed passages.

Each passage is a few spoken segments labelled with the time they span ("at
12:31–12:48"), so a search hit or a citation says where in the recording its words were
spoken (``Hit.times``), and a click can play from there. The recording itself is
referenced, never copied; its transcript is kept in the encrypted store like any
document's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hushdesk.errors import DocumentError
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.library.document import MAX_TEXT_CHARS, LoadedDocument, PageText
from hushdesk.library.text import clean
from hushdesk.speech import models
from hushdesk.speech import transcribe as transcription
from hushdesk.speech.audio import is_recording
from hushdesk.speech.transcribe import Window, transcribe
from hushdesk.speech.transcript import clock, label_times, pages

KIND = "recording"
__all__ = ["KIND", "Kept", "is_recording", "label_times", "load"]


class WindowStore(Protocol):
    """Where a transcription's finished windows are kept (the document store)."""

    def transcript_windows(self, sha256: str, model: str) -> list[Window]: ...
    def keep_transcript_window(self, sha256: str, model: str, window: Window) -> None: ...


@dataclass(frozen=True)
class Kept:
    """A recording's windows kept in ``store`` under its content hash: a transcription
    stopped half-way resumes from them."""

    store: WindowStore
    sha256: str


def load(
    path: Path,
    *,
    cancel: CancelToken | None = None,
    kept: Kept | None = None,
    progress: ProgressCallback | None = None,
) -> LoadedDocument:
    """``path``'s transcript with the speech model the user chose (else the starter)."""
    try:
        model = models.resolve(None)
    except models.SpeechModelError as exc:
        raise DocumentError(f"{path.name} was not transcribed: {exc.message}") from exc
    done = kept.store.transcript_windows(kept.sha256, model.name) if kept else []
    heard = transcribe(
        path,
        model,
        cancel=cancel,
        progress=progress,
        done=done,
        window_s=transcription.WINDOW_S,
        on_window=(
            (lambda w: kept.store.keep_transcript_window(kept.sha256, model.name, w))
            if kept
            else None
        ),
    )
    parts = [
        PageText(n, clean(text), label=label)
        for n, (label, text) in enumerate(pages(heard.segments), start=1)
    ]
    document = LoadedDocument(KIND, path.stem, parts, paginated=False)
    if document.text_chars > MAX_TEXT_CHARS:
        raise DocumentError(f"{path.name}'s transcript is longer than Hushdesk can index.")
    if not parts:
        document.warnings.append(f"No speech was heard in its {clock(heard.duration)}.")
    return document
