"""A recording as a document: its transcript, in short timed passages.

Each passage is a few spoken segments labelled with the time they span ("at
12:31–12:48"), so a search hit or a citation says where in the recording its words were
spoken (``Hit.times``), and a click can play from there. The recording itself is
referenced, never copied; its transcript is kept in the encrypted store like any
document's text.
"""

from __future__ import annotations

from pathlib import Path

from hushdesk.errors import DocumentError
from hushdesk.jobs import CancelToken
from hushdesk.library.document import MAX_TEXT_CHARS, LoadedDocument, PageText
from hushdesk.library.text import clean
from hushdesk.speech import models
from hushdesk.speech.audio import is_recording
from hushdesk.speech.transcribe import transcribe
from hushdesk.speech.transcript import clock, label_times, pages

KIND = "recording"
__all__ = ["KIND", "is_recording", "label_times", "load"]


def load(path: Path, *, cancel: CancelToken | None = None) -> LoadedDocument:
    """``path``'s transcript with the speech model the user chose (else the starter)."""
    try:
        model = models.resolve(None)
    except models.SpeechModelError as exc:
        raise DocumentError(f"{path.name} was not transcribed: {exc.message}") from exc
    heard = transcribe(path, model, cancel=cancel)
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
