"""Recordings: transcribed offline, written out as text or subtitles — for
``hushdesk transcribe`` and the window alike. A recording added to a library is read by
the library itself (``library.recordings``): its transcript becomes timed passages.

Nothing is kept here: the transcript lives as long as the caller keeps it, and is
written only where the user asks (``write``).
"""

from __future__ import annotations

import json
from pathlib import Path

from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.speech import models
from hushdesk.speech.audio import is_recording
from hushdesk.speech.models import CATALOG, CatalogEntry, SpeechModel
from hushdesk.speech.transcribe import transcribe
from hushdesk.speech.transcript import Segment, Transcript, clock, srt, timed_text, vtt

__all__ = ["CATALOG", "CatalogEntry", "Recordings", "Segment", "SpeechModel", "Transcript",
           "clock"]  # fmt: skip

FORMATS = (".txt", ".srt", ".vtt", ".json")


class Recordings:
    def speech_model(self, choice: str | None = None) -> SpeechModel:
        """The speech model ``choice`` names (a folder), else the bundled starter."""
        return models.resolve(choice)

    def transcribe(
        self,
        path: Path,
        *,
        model: str | None = None,
        language: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Transcript:
        if not path.is_file():
            raise HushdeskError(f"{path.name}: no such file.")
        if not is_recording(path):
            raise HushdeskError(
                f"{path.name} is not a recording Hushdesk reads (WAV, MP3, M4A, AAC, OGG, "
                "Opus, FLAC, or the sound of MP4, MOV, MKV, WebM)."
            )
        return transcribe(
            path, self.speech_model(model), language=language, progress=progress, cancel=cancel
        )

    def write(self, transcript: Transcript, out: Path) -> None:
        """``transcript`` saved as ``out``'s suffix says: plain text with times, SRT or
        WebVTT subtitles, or JSON."""
        suffix = out.suffix.lower()
        if suffix not in FORMATS:
            raise HushdeskError(f"{out.name}: save a transcript as {', '.join(FORMATS)}.")
        text = {
            ".txt": lambda: timed_text(transcript.segments) + "\n",
            ".srt": lambda: srt(transcript.segments),
            ".vtt": lambda: vtt(transcript.segments),
            ".json": lambda: json.dumps(transcript.to_json(), indent=2, ensure_ascii=False),
        }[suffix]()
        atomic_write_bytes(out, text.encode("utf-8"))
