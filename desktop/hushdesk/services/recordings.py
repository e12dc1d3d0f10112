"""Recordings: transcribed offline, written out as text or subtitles — for
``hushdesk transcribe`` and the window alike — and dictation from the microphone into
any text box. A recording added to a library is read by the library itself
(``library.recordings``): its transcript becomes timed passages.

Nothing is kept here: the transcript lives as long as the caller keeps it, and is
written only where the user asks (``write``); dictated audio is held in memory until
it is text.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.library.recordings import Hearing
from hushdesk.models.registry import InstalledModel, Registry
from hushdesk.settings import Settings
from hushdesk.speech import models, voice
from hushdesk.speech.audio import AUDIO_SUFFIXES as RECORDING_SUFFIXES
from hushdesk.speech.audio import is_recording
from hushdesk.speech.dictation import Dictation, Listener
from hushdesk.speech.microphone import Microphone, MicrophoneError, Speakers
from hushdesk.speech.models import SpeechModel
from hushdesk.speech.player import Playback
from hushdesk.speech.transcribe import transcribe
from hushdesk.speech.transcript import (
    Segment,
    Transcript,
    clock,
    label_times,
    srt,
    timed_text,
    vtt,
)
from hushdesk.speech.voice import WORDS_PER_MINUTE, Reading, SoundOut, VoiceError

__all__ = [
    "RECORDING_SUFFIXES",
    "DictationSession",
    "MicrophoneError",
    "Playback",
    "Reading",
    "Recordings",
    "Segment",
    "SpeechModel",
    "Transcript",
    "VoiceError",
    "clock",
]  # fmt: skip

FORMATS = (".txt", ".srt", ".vtt", ".json")
log = logging.getLogger("hushdesk.speech")


class SoundSource(Protocol):
    """Where dictated sound comes from: the microphone, or a test's recording."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


class DictationSession:
    """One stretch of dictation: the microphone on, text coming back until ``stop``."""

    def __init__(self, source: SoundSource, dictation: Dictation) -> None:
        self._source, self._dictation = source, dictation

    def stop(self) -> None:
        """The microphone off; what was being said still becomes text (on_final)."""
        self._source.stop()
        self._dictation.stop()


class Recordings:
    def __init__(self, settings: Settings | None = None, registry: Registry | None = None) -> None:
        self.settings = settings or Settings()
        self._registry = registry  # the speech models the Models page installed
        # The sound of dictation: a test puts its recording here, at the audio boundary.
        self.microphone: Callable[[Callable[[np.ndarray], None]], SoundSource] = Microphone
        # Where the voice reading aloud is heard: the speakers, or a test's recorder.
        self.speakers: Callable[[int], SoundOut] = Speakers
        self._listener: Listener | None = None

    # -- the speech model ---------------------------------------------------------------------

    def speech_model(self, choice: str | None = None) -> SpeechModel:
        """The speech model ``choice`` names (a folder), else the one chosen in the
        settings, else the bundled starter."""
        model = models.resolve(choice or self.settings.speech.model or None)
        name = next((name for name, path in self._installed() if path == model.path), model.name)
        return dataclasses.replace(model, name=name)  # the Models page's name for it

    def _installed(self) -> list[tuple[str, Path]]:
        """(name, folder) of the speech models downloaded or imported on the Models page."""
        listed = self._registry.list("speech") if self._registry is not None else []
        return [(m.name, Path(m.path)) for m in listed if m.source != "bundled"]

    def speech_models(self) -> list[SpeechModel]:
        """The speech models to choose from (for a menu): the bundled one, those
        downloaded or imported on the Models page, and the folder chosen where it is
        none of those."""
        found = [m for m in (models.starter(),) if m is not None]
        listed = self._installed()
        chosen = self.settings.speech.model
        if chosen and Path(chosen) not in {path for _, path in listed}:
            listed.append((Path(chosen).name, Path(chosen)))
        for name, folder in listed:
            try:
                found.append(models.from_folder(folder, name=name))
            except models.SpeechModelError:
                log.warning("a speech model's folder is no longer usable")
        return found

    def use_speech_model(self, folder: str, language: str = "") -> SpeechModel:
        """Use the faster-whisper model in ``folder`` ("": the bundled one) from now on,
        for recordings, libraries and dictation, hearing ``language`` ("": detected).
        Checked first: a folder that is no speech model is refused with the reason."""
        model = models.from_folder(Path(folder)) if folder else models.resolve(None)
        if language and not model.multilingual and language != "en":
            raise HushdeskError(f"{model.name} hears English only.")
        self.settings.speech.model = str(Path(folder).expanduser().resolve()) if folder else ""
        self.settings.speech.language = language
        self.settings.save()
        if self._listener is not None:  # dictation hears with the new model next time
            self._listener.close()
            self._listener = None
        return model

    def use_installed(self, model: InstalledModel) -> SpeechModel:
        """Hear with a speech model the Models page lists from now on; the language
        chosen stays where the model hears it."""
        multilingual = bool(model.details.get("multilingual"))
        language = self.settings.speech.language if multilingual else ""
        return self.use_speech_model("" if model.source == "bundled" else model.path, language)

    def hears_with(self, model: InstalledModel) -> bool:
        """Whether ``model`` (a listed model) is the one that hears recordings and dictation."""
        chosen = self.settings.speech.model
        return model.kind == "speech" and (
            model.path == chosen if chosen else model.source == "bundled"
        )

    def hearing(self) -> Hearing:
        """How a library or a summary hears a recording now."""
        return Hearing(self.settings.speech.model, self.settings.speech.language)

    def dictate(
        self,
        *,
        on_partial: Callable[[str], None],
        on_final: Callable[[str], None],
        on_error: Callable[[str], None],
    ) -> DictationSession:
        """Start dictation: the words so far (``on_partial``) while an utterance is
        spoken, then all of it (``on_final``) at each pause. Raises ``MicrophoneError``
        with what to do when there is no microphone or the system refuses it."""
        if self._listener is None:
            self._listener = Listener(self.speech_model(), self.settings.speech.language or None)
        dictation = Dictation(
            self._listener, on_partial=on_partial, on_final=on_final, on_error=on_error
        )
        source = self.microphone(dictation.feed)
        try:
            source.start()
        except MicrophoneError:
            dictation.stop()
            raise
        return DictationSession(source, dictation)

    @staticmethod
    def voice_available() -> bool:
        """Whether an offline voice (espeak-ng) is installed here."""
        return voice.program() is not None

    def set_reading(self, on: bool, speed: str = "normal") -> None:
        """Offer Read aloud on answers and drafts (off by default), at ``speed``."""
        if speed not in WORDS_PER_MINUTE:
            raise HushdeskError(f"Read aloud {', '.join(WORDS_PER_MINUTE)}, not {speed!r}.")
        self.settings.speech.read_aloud, self.settings.speech.reading_speed = on, speed
        self.settings.save()

    def read_aloud(self, text: str) -> Reading:
        """``text`` (an answer, a draft; Markdown) read aloud by the offline voice, in the
        language recordings are heard in (English when detected) at the speed chosen.
        Raises ``VoiceError`` where there is no voice; ``stop`` ends it."""
        speech = self.settings.speech
        return Reading(
            text,
            self.speakers,
            voice=speech.language or "en-us",
            words_per_minute=WORDS_PER_MINUTE.get(speech.reading_speed, WORDS_PER_MINUTE["normal"]),
        )

    @staticmethod
    def times(label: str) -> tuple[float, float] | None:
        """A recording's passage's (start, end) in seconds from its label, else None."""
        return label_times(label)

    @staticmethod
    def play(path: str, start: float) -> Playback:
        """``path`` played from ``start`` seconds (in a child; ``stop`` ends it)."""
        return Playback(path, start)

    def close(self) -> None:
        """The dictation listener's child ended (the app's ``close``)."""
        if self._listener is not None:
            self._listener.close()

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
            path,
            self.speech_model(model),
            language=language or self.settings.speech.language or None,
            progress=progress,
            cancel=cancel,
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
