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
__all__ = ["KIND", "Hearing", "is_recording", "label_times", "load"]


class WindowStore(Protocol):
    """Where a transcription's finished windows are kept (the document store)."""

    def transcript_windows(self, sha256: str, model: str) -> list[Window]: ...
    def keep_transcript_window(self, sha256: str, model: str, window: Window) -> None: ...


@dataclass(frozen=True)
class Hearing:
    """How recordings are heard: the speech model the user chose (a folder; "" for the
    bundled one) and the language ("" to detect) — and, while a library indexes one, the
    store that keeps its finished windows under its content hash, so a transcription
    stopped half-way resumes from them."""

    model: str = ""
    language: str = ""
    store: WindowStore | None = None
    sha256: str = ""


def load(
    path: Path,
    *,
    cancel: CancelToken | None = None,
    hearing: Hearing | None = None,
    progress: ProgressCallback | None = None,
) -> LoadedDocument:
    """``path``'s transcript with the speech model the user chose (else the starter)."""
    hearing = hearing or Hearing()
    try:
        model = models.resolve(hearing.model or None)
    except models.SpeechModelError as exc:
        raise DocumentError(f"{path.name} was not transcribed: {exc.message}") from exc
    store, sha256 = hearing.store, hearing.sha256
    done = store.transcript_windows(sha256, model.name) if store and sha256 else []
    heard = transcribe(
        path,
        model,
        language=hearing.language or None,
        cancel=cancel,
        progress=progress,
        done=done,
        window_s=transcription.WINDOW_S,
        on_window=(
            (lambda w: store.keep_transcript_window(sha256, model.name, w))
            if store and sha256
            else None
        ),
    )
    parts = [
        PageText(n, clean(text), label=label)
        for n, (label, text) in enumerate(pages(heard.segments), start=1)
    ]
    document = LoadedDocument(KIND, path.stem, parts, paginated=False, duration_s=heard.duration)
    if document.text_chars > MAX_TEXT_CHARS:
        raise DocumentError(f"{path.name}'s transcript is longer than Hushdesk can index.")
    if not parts:
        document.warnings.append(f"No speech was heard in its {clock(heard.duration)}.")
    return document
