"""Sound out of a recording: its length, and a stretch of it as 16 kHz mono samples.

Runs in the transcription child only (a recording is an untrusted file: its demuxer and
codec are native code). PyAV (FFmpeg's libraries) reads every container and codec the
issue names — WAV, MP3, M4A/AAC, OGG/Opus, FLAC and the sound of MP4/MOV/MKV — so no
``ffmpeg`` program is started and nothing is written to disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hushdesk.errors import DocumentError

RATE = 16_000  # what Whisper hears
AUDIO_SUFFIXES = frozenset({
    ".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac",
    ".mp4", ".mov", ".mkv", ".webm",
})  # fmt: skip
MAX_SECONDS = 12 * 3600.0  # a recording longer than a working day is not one we serve


def is_recording(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _open(path: str) -> tuple[Any, Any]:
    import av

    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise DocumentError(f"{Path(path).name} is not a recording that can be played.") from exc
    stream = next((s for s in container.streams if s.type == "audio"), None)
    if stream is None:
        container.close()
        raise DocumentError(f"{Path(path).name} holds no sound.")
    return container, stream


def duration(path: str) -> float | None:
    """The recording's length in seconds as its container says, or None where it does
    not say (some raw streams): then transcription reads until the sound ends."""
    container, stream = _open(path)
    with container:
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / 1_000_000
        else:
            return None
    if seconds > MAX_SECONDS:
        raise DocumentError(
            f"{Path(path).name} lasts {seconds / 3600:.1f} hours: more than Hushdesk "
            f"transcribes at once ({MAX_SECONDS / 3600:.0f} hours)."
        )
    return seconds


def decode(path: str, start: float, seconds: float) -> tuple[np.ndarray, bool]:
    """``seconds`` of sound from ``start`` on, as float32 samples at ``RATE`` Hz, and
    whether the recording ended within them."""
    import av

    container, stream = _open(path)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    pieces: list[np.ndarray] = []
    first: float | None = None  # the time of the first sample decoded
    got, wanted, ended = 0, int((start + seconds) * RATE), True
    with container:
        if start > 0:  # to the frame at or before ``start``; the rest is cut off below
            container.seek(int(start / stream.time_base), stream=stream, backward=True)
        try:
            for frame in container.decode(stream):
                if first is None:
                    first = float(frame.time) if frame.time is not None else start
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
                    got += out.samples
                if first * RATE + got >= wanted:
                    ended = False
                    break
        except av.FFmpegError as exc:
            if not pieces:
                raise DocumentError(f"{Path(path).name} could not be decoded ({exc}).") from exc
            # a damaged tail: what was heard before it stands
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
    skip = max(0, round((start - (first if first is not None else start)) * RATE))
    keep = samples[skip : skip + int(seconds * RATE)]
    return keep.astype(np.float32) / 32768.0, ended
