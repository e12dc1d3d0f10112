"""Speech: how fast recordings are transcribed on this machine, how well, and how soon
dictated words reach the box.

    .venv/bin/python bench/voice.py [--minutes 2]

A real text no one here wrote (the opening of the Mozilla Public License 2.0, Debian's
base-files) is spoken by espeak-ng for about ``--minutes`` and transcribed as the app
does (windows in a sandboxed child, voice-activity filter) with the bundled tiny.en:
the real-time factor is the wall time over the recording's length, loading included.
The word error rate is over the number-free script of tests/speech.py (Whisper writes
numbers as digits). base and small are measured where their folders are given
(--base, --small): no package ships them, and this machine has no network.

Dictation: the script's sentences are played into the dictation path as a microphone
would (100 ms blocks, in real time, the listener child already started); the figure is
the time from the end of each sentence's sound to its final text — the pause that
ends an utterance (0.6 s) included — the median over the sentences, and the worst.

Read aloud: the time from asking for a ~85-word answer to be read to its first sound
reaching the speakers (the voice's child started, espeak-ng's first sentence made).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

from hushdesk import privacy

privacy.apply()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package

from tests.speech import GAP_S, SCRIPT, speak, word_error_rate  # noqa: E402

from hushdesk.speech import models  # noqa: E402
from hushdesk.speech.audio import decode  # noqa: E402
from hushdesk.speech.dictation import Dictation, Listener  # noqa: E402
from hushdesk.speech.transcribe import transcribe  # noqa: E402
from hushdesk.speech.voice import Reading  # noqa: E402

TEXT = Path("/usr/share/common-licenses/MPL-2.0")
WORDS_PER_MINUTE = 170  # espeak-ng's default rate


def sentences(minutes: float) -> tuple[str, ...]:
    words = " ".join(TEXT.read_text(encoding="utf-8").split()).split(" ")
    text = " ".join(words[: int(minutes * WORDS_PER_MINUTE)])
    return tuple(s for s in re.split(r"(?<=[.;:])\s+", text) if s)


def measure(model: models.SpeechModel, recording: Path, script: Path) -> None:
    name = model.name.replace("whisper-", "").replace(".", "_").replace("-", "_")
    started = time.perf_counter()
    heard = transcribe(recording, model)
    seconds = time.perf_counter() - started
    target = " (target <= 0.3)" if model.name == models.STARTER else ""
    print(f"transcribe_rtf_{name}: {seconds / heard.duration:.3f} x{target}")
    print(f"transcribe_audio_s_{name}: {heard.duration:.0f} s ({len(heard.segments)} segments)")
    wer = word_error_rate(" ".join(SCRIPT), transcribe(script, model).text.replace("\n", " "))
    print(f"transcribe_wer_{name}: {wer:.3f} (target <= 0.25; tests/speech.py's script)")


def dictation(model: models.SpeechModel, script: Path, ends: list[float]) -> None:
    samples, _ = decode(str(script), 0, 600)
    listener = Listener(model)
    listener.ready()
    finals: list[float] = []
    dictating = Dictation(listener, on_partial=lambda _text: None,
                          on_final=lambda _text: finals.append(time.monotonic()))  # fmt: skip
    block, started = 1600, time.monotonic()
    for i in range(0, len(samples), block):
        dictating.feed(samples[i : i + block])
        time.sleep(max(0.0, started + (i + block) / 16000 - time.monotonic()))
    dictating.stop()
    listener.close()
    waits = [f - (started + end) for f, end in zip(finals, ends, strict=False)]
    print(
        f"dictation_final_text_s: {statistics.median(waits):.2f} s (target <= 1.5; median of "
        f"{len(waits)} sentences, worst {max(waits):.2f} s; end of speech to its text)"
    )


class _FirstSound:
    """Speakers that note when the first sound reaches them."""

    def __init__(self) -> None:
        self.at: float | None = None

    def open(self, _rate: int) -> _FirstSound:
        return self

    def write(self, _samples: object) -> None:
        self.at = self.at or time.monotonic()

    def close(self) -> None:
        pass


def read_aloud(answer: str, runs: int = 5) -> None:
    waits = []
    for _ in range(runs):
        speakers = _FirstSound()
        started = time.monotonic()
        reading = Reading(answer, speakers.open)
        reading.wait(120)
        if reading.problem or speakers.at is None:
            print(f"read_aloud_first_sound_s: failed ({reading.problem})")
            return
        waits.append(speakers.at - started)
    print(
        f"read_aloud_first_sound_s: {statistics.median(waits):.2f} s (target <= 1.0; median of "
        f"{runs}, a {len(answer.split())}-word answer, from Read aloud to its first sound)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--base", type=Path, help="a faster-whisper base model's folder")
    parser.add_argument("--small", type=Path, help="a faster-whisper small model's folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-voice-"))
    recording, script = folder / "reading.wav", folder / "script.wav"
    speak(sentences(args.minutes), recording, gap_s=0.3)
    starts = speak(SCRIPT, script)  # each sentence then GAP_S of silence
    with wave.open(str(script)) as sound:
        length = sound.getnframes() / sound.getframerate()
    ends = [start - GAP_S for start in [*starts[1:], length]]
    starter = models.starter()
    if starter is None:
        print("hushdesk: the bundled speech model is not installed", file=sys.stderr)
        return 1
    print(f"transcribe_threads: {os.cpu_count()} cores")
    measure(starter, recording, script)
    dictation(starter, script, ends)
    read_aloud(" ".join(sentences(0.5)))
    for name, given in (("base", args.base), ("small", args.small)):
        if given is not None:
            measure(models.from_folder(given, name=f"whisper-{name}"), recording, script)
    return 0


if __name__ == "__main__":
    sys.exit(main())
