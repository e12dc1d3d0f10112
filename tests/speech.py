"""Real speech for the speech tests: scripts spoken by espeak-ng (a Debian package) to
WAV, joined with known pauses so each sentence's start is known, and converted to other
formats by PyAV (FFmpeg's libraries)."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

RATE = 22_050  # espeak-ng's

# No numbers: Whisper writes them as digits, the script as words (the rule).
SCRIPT = (
    "The tenant shall pay the rent on the first day of each month.",
    "The landlord keeps the deposit in a separate bank account.",
    "Either party may end the lease with written notice.",
    "The garden must be kept tidy by the tenant throughout the summer.",
    "Pets are allowed only with the written consent of the landlord.",
    "Any dispute shall be settled by a mediator chosen by both parties.",
)
GAP_S = 1.0


def espeak() -> str:
    found = shutil.which("espeak-ng")
    if found is None:  # .ci/run installs it; a developer without it is told how
        pytest.fail("espeak-ng is not installed: apt-get install espeak-ng (.ci/run does)")
    return found


def speak(sentences: tuple[str, ...], out: Path, gap_s: float = GAP_S) -> list[float]:
    """``sentences`` spoken into one WAV with ``gap_s`` of silence after each; the
    second at which each sentence starts."""
    frames: list[bytes] = []
    starts: list[float] = []
    at = 0
    for i, sentence in enumerate(sentences):
        part = out.with_name(f"{out.stem}-{i}.wav")
        subprocess.run([espeak(), "-w", str(part), sentence], check=True, timeout=60)
        with wave.open(str(part), "rb") as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
            audio = w.readframes(w.getnframes())
        part.unlink()
        starts.append(at / RATE)
        silence = b"\0\0" * int(gap_s * RATE)
        frames += [audio, silence]
        at += len(audio) // 2 + len(silence) // 2
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(frames))
    return starts


def convert(wav: Path, out: Path) -> Path:
    """``wav`` encoded as ``out``'s suffix says (mp3, ogg/opus, m4a/aac, flac)."""
    import av

    codec = {".mp3": "libmp3lame", ".ogg": "libopus", ".opus": "libopus", ".m4a": "aac",
             ".flac": "flac"}[out.suffix]  # fmt: skip
    rate = 48_000 if codec == "libopus" else RATE
    with av.open(str(wav)) as source, av.open(str(out), "w") as target:
        stream = target.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in source.decode(audio=0):
            for piece in resampler.resample(frame):
                target.mux(stream.encode(piece))
        for piece in resampler.resample(None):
            target.mux(stream.encode(piece))
        target.mux(stream.encode(None))
    return out


def word_error_rate(reference: str, heard: str) -> float:
    """Word-level edit distance over the reference's length (case and punctuation aside)."""
    ref, hyp = _words(reference), _words(heard)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] / max(1, len(ref))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


class PlayedMicrophone:
    """A microphone that hears a recording: 100 ms blocks, twice as fast as spoken."""

    samples = np.zeros(0, dtype=np.float32)

    def __init__(self, on_samples: Callable[[np.ndarray], None]) -> None:
        self._on_samples = on_samples
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _play(self) -> None:
        block = 1600
        silence = np.zeros(16000, dtype=np.float32)  # then the room is quiet
        for chunk in (self.samples, silence, silence):
            for i in range(0, len(chunk), block):
                if self._stop.is_set():
                    return
                self._on_samples(chunk[i : i + block])
                time.sleep(0.05)


class RecordedSpeakers:
    """Speakers that keep what they are given, at the pace a real output plays it
    (``pace``: 1.0 real time, 0 at once)."""

    def __init__(self, pace: float = 0.0) -> None:
        self.pace, self.rate, self.closed = pace, 0, False
        self.blocks: list[np.ndarray] = []

    def open(self, rate: int) -> RecordedSpeakers:
        self.rate = rate
        return self

    def write(self, samples: np.ndarray) -> None:
        self.blocks.append(samples.copy())
        time.sleep(self.pace * len(samples) / self.rate)

    def close(self) -> None:
        self.closed = True

    def save(self, out: Path) -> Path:
        """What was heard, as a 16-bit WAV."""
        pcm = (np.clip(np.concatenate(self.blocks), -1, 1) * 32767).astype("<i2")
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(pcm.tobytes())
        return out
