"""Transcribing a recording offline, a window at a time, each window in a child.

A recording is untrusted native work (a demuxer, a codec) and a long job, so it is
cut into windows of ``WINDOW_S`` seconds, each transcribed by faster-whisper in a child
process with no network (``isolate.run_isolated``: the sandbox, a time limit, a memory
cap). Between windows the parent reports progress with time left, honours cancel, and
hands each finished window to ``on_window`` — which is what lets a killed or paused
transcription resume where it stopped (``done`` gives back the windows kept).

Windows end where speech does: a window is decoded ``TAIL_S`` longer than it is, the
segments that start in it are kept when they end before the decoded sound does, and
the next window starts where the last kept segment ended — so no word is cut in two at
a window's edge. Silence costs nothing: faster-whisper's voice-activity filter (Silero,
through ONNX Runtime) skips it before the model hears it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hushdesk import isolate
from hushdesk.errors import DocumentError, HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressTracker
from hushdesk.speech import audio
from hushdesk.speech.models import SpeechModel
from hushdesk.speech.transcript import Segment, Transcript, clock

WINDOW_S = 120.0
TAIL_S = 15.0  # heard past the window's end, so its last words are whole
EDGE_S = 1.0  # a segment ending this close to the decoded end may be cut: next window
MEMORY_BYTES = 6 << 30  # address space: the model, ONNX Runtime's arenas, the samples
PROBE_TIMEOUT_S = 60.0
NICE = 5  # a transcription yields the CPU to the chat


@dataclass(frozen=True)
class Window:
    """One window's result: its segments, where the next window starts, the language
    heard, and whether the recording ended in it."""

    start: float
    next_start: float
    language: str
    segments: tuple[Segment, ...]
    ended: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Window:
        return cls(
            start=float(data["start"]),
            next_start=float(data["next_start"]),
            language=str(data["language"]),
            segments=tuple(
                Segment(float(s["start"]), float(s["end"]), str(s["text"]))
                for s in data["segments"]
            ),
            ended=bool(data["ended"]),
        )


def transcribe(
    path: Path,
    model: SpeechModel,
    *,
    language: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    done: Sequence[Window] = (),
    on_window: Callable[[Window], None] | None = None,
    window_s: float = WINDOW_S,
) -> Transcript:
    """The transcript of ``path``; ``done`` are windows already transcribed (a resume)."""
    if language and not model.multilingual and language != "en":
        raise HushdeskError(
            f"{model.name} hears English only; choose a multilingual speech model for {language!r}."
        )
    language = language or (None if model.multilingual else "en")
    length = isolate.run_isolated(
        audio.duration, str(path), timeout_s=PROBE_TIMEOUT_S, memory_limit_bytes=MEMORY_BYTES
    )
    tracker = ProgressTracker(total=length or None, label="Transcribing")
    windows = list(done)
    start = windows[-1].next_start if windows else 0.0
    ended = bool(windows) and windows[-1].ended
    heard = language or (windows[0].language if windows else None)
    while not ended:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None:
            progress(tracker.update(min(start, length or start), _where(start, length)))
        window = _run_window(
            path, model, start=start, language=heard, window_s=window_s, cancel=cancel
        )
        heard = heard or window.language
        windows.append(window)
        if on_window is not None:
            on_window(window)
        start, ended = window.next_start, window.ended
    if progress is not None:
        progress(tracker.update(length or start, "Done"))
    return Transcript(
        segments=[s for w in windows for s in w.segments],
        language=heard or "en",
        duration=length if length is not None else start,
        model=model.name,
    )


def _where(start: float, length: float | None) -> str:
    return f"Transcribing at {clock(start)}" + (f" of {clock(length)}" if length else "")


def _run_window(
    path: Path,
    model: SpeechModel,
    *,
    start: float,
    language: str | None,
    window_s: float,
    cancel: CancelToken | None,
) -> Window:
    try:
        return isolate.run_isolated(
            window_here,
            str(path),
            str(model.path),
            start,
            language,
            window_s,
            timeout_s=60 + 8 * (window_s + TAIL_S),  # a large model on a slow CPU
            memory_limit_bytes=MEMORY_BYTES,
            cancel=cancel,
            nice=NICE,
        )
    except isolate.IsolatedFailure as exc:
        raise DocumentError(
            f"{path.name} could not be transcribed: the transcriber {exc.message}. The file "
            "may be damaged; nothing else was affected.",
            detail=exc.detail,
        ) from exc


def threads() -> int:
    """The transcriber's threads: all but one core where there are several (the chat
    and the window keep one)."""
    return max(1, (os.cpu_count() or 2) - 1)


def window_here(
    path: str, model_dir: str, start: float, language: str | None, window_s: float
) -> Window:
    """One window, transcribed (runs in the child)."""
    import threading

    import tqdm  # faster-whisper's progress bars: a thread lock, not a process-wide
    # semaphore that the killed child would leave behind for the parent to warn about

    tqdm.tqdm.set_lock(threading.RLock())
    from faster_whisper import WhisperModel

    samples, ended = audio.decode(path, start, window_s + TAIL_S)
    heard = len(samples) / audio.RATE
    if heard < 0.1:
        return Window(start, start + heard, language or "", (), True)
    whisper = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads())
    found, info = whisper.transcribe(
        samples,
        language=language,
        beam_size=5,  # greedy decoding (1) takes half the time, but misheard a quarter
        # of the words of tests/speech.py's script with tiny.en (0.27, a check by hand;
        # beam 5: 0.16, bench/voice.py's transcribe_wer)
        vad_filter=True,
        condition_on_previous_text=False,  # a misheard stretch does not repeat itself
    )
    kept: list[Segment] = []
    next_start = start + min(window_s, heard)
    for segment in found:
        text = " ".join(segment.text.split())
        if segment.start >= window_s and not ended:
            break  # the next window's
        if not ended and segment.end > heard - EDGE_S:
            break  # may be cut off by the decoded end: the next window hears it whole
        if text:
            kept.append(Segment(start + segment.start, start + segment.end, text))
        next_start = start + segment.end
    if ended:
        next_start = start + heard
    elif next_start <= start:  # never stand still
        next_start = start + window_s
    return Window(start, next_start, info.language or language or "", tuple(kept), ended)
