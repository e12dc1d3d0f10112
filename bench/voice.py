"""Speech: how fast recordings are transcribed on this machine, and how well.

    .venv/bin/python bench/voice.py [--minutes 2]

A real text no one here wrote (the opening of the Mozilla Public License 2.0, Debian's
base-files) is spoken by espeak-ng for about ``--minutes`` and transcribed as the app
does (windows in a sandboxed child, voice-activity filter) with the bundled tiny.en:
the real-time factor is the wall time over the recording's length, loading included.
The word error rate is over the number-free script of tests/speech.py (Whisper writes
numbers as digits). base and small are measured where their folders are given
(--base, --small): no package ships them, and this machine has no network.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package

from tests.speech import SCRIPT, speak, word_error_rate  # noqa: E402

from hushdesk.speech import models  # noqa: E402
from hushdesk.speech.transcribe import transcribe  # noqa: E402

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--base", type=Path, help="a faster-whisper base model's folder")
    parser.add_argument("--small", type=Path, help="a faster-whisper small model's folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-voice-"))
    recording, script = folder / "reading.wav", folder / "script.wav"
    speak(sentences(args.minutes), recording, gap_s=0.3)
    speak(SCRIPT, script)
    starter = models.starter()
    if starter is None:
        print("hushdesk: the bundled speech model is not installed", file=sys.stderr)
        return 1
    print(f"transcribe_threads: {os.cpu_count()} cores")
    measure(starter, recording, script)
    for name, given in (("base", args.base), ("small", args.small)):
        if given is not None:
            measure(models.from_folder(given, name=f"whisper-{name}"), recording, script)
    return 0


if __name__ == "__main__":
    sys.exit(main())
