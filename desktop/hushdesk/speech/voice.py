"""Reading aloud with an offline voice: answers and drafts spoken on this computer.

The voice is espeak-ng, the speech engine Debian ships (and the one speech-dispatcher
uses), run as a program: a child set up like every other (no sockets at all, no core
dumps, a memory cap) hands it one sentence at a time on its standard input and sends
the sound back over its pipe; the app plays it through PortAudio, as dictation's
microphone is read. Nothing is written to disk, and a stop is heard within a fifth of a
second. Why a program and not a library: Qt's text-to-speech module comes only with
PySide6's add-ons (~170 MB more) and on Linux needs speech-dispatcher, which speaks
through espeak-ng anyway; no maintained Python binding of an offline voice is packaged.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import struct
import subprocess
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Protocol

import numpy as np

from hushdesk import isolate
from hushdesk.errors import HushdeskError

MAX_CHARS = 20_000  # read at most this much of one text
SENTENCE_CHARS = 400  # sentences joined up to this much, cut where longer
SENTENCE_TIMEOUT_S = 30.0
MAX_SOUND_BYTES = 32 << 20  # of one sentence (about 12 minutes at 22 kHz)
MEMORY_BYTES = 1 << 30
BLOCK_S = 0.2  # played at a time: how soon a stop is heard
WORDS_PER_MINUTE = {"slower": 140, "normal": 175, "faster": 220}


class VoiceError(HushdeskError):
    """Reading aloud is not possible here."""


class SoundOut(Protocol):
    """Where the voice is heard: the speakers, or a test's recorder."""

    def write(self, samples: np.ndarray) -> None: ...
    def close(self) -> None: ...


def program() -> str | None:
    """The offline voice installed here, or None."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def speakable(text: str) -> str:
    """What a listener should hear of a Markdown answer: the words, without citation
    marks, code, link addresses or formatting characters."""
    text = re.sub(r"```.*?(```|$)", " (code left out) ", text, flags=re.DOTALL)
    text = re.sub(r"\[(\d+)\]", "", text)  # citations: the screen shows them
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [words](address) → words
    text = re.sub(r"^\s*(#+|[-*+]|\d+[.)]|>)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_`~|#<>]+", " ", text)
    return " ".join(text.split())[:MAX_CHARS]


def sentences(text: str) -> list[str]:
    """``text`` in pieces a voice can start on at once: sentences, short ones joined."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?;:])\s+", text):
        rest = sentence
        while len(rest) > SENTENCE_CHARS:  # no full stop for a long while: cut at a space
            cut = rest.rfind(" ", 0, SENTENCE_CHARS)
            cut = cut if cut > 0 else SENTENCE_CHARS
            pieces.append(rest[:cut])
            rest = rest[cut:].strip()
        if pieces and len(pieces[-1]) + len(rest) < SENTENCE_CHARS // 4:
            pieces[-1] += " " + rest
        elif rest:
            pieces.append(rest)
    return pieces


def wav_samples(data: bytes) -> tuple[int, np.ndarray]:
    """(rate, float samples) of espeak-ng's 16-bit mono WAV on standard output, whose
    header cannot say its length (it is written before the sound)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:16] != b"WAVEfmt ":
        raise VoiceError("The voice gave no sound.")
    channels, rate = struct.unpack_from("<HI", data, 22)
    bits = struct.unpack_from("<H", data, 34)[0]
    start = data.find(b"data", 36)
    if channels != 1 or bits != 16 or start < 0:
        raise VoiceError("The voice gave sound in a form Hushdesk does not play.")
    pcm = data[start + 8 :]
    pcm = pcm[: len(pcm) // 2 * 2]
    return rate, np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768


class Reading:
    """``text`` being read aloud until it ends or ``stop``. ``out(rate)`` opens where the
    sound goes; failures are kept in ``problem`` (said in plain words)."""

    def __init__(
        self,
        text: str,
        out: Callable[[int], SoundOut],
        *,
        voice: str = "en-us",
        words_per_minute: int = WORDS_PER_MINUTE["normal"],
    ) -> None:
        found = program()
        if found is None:
            raise VoiceError(
                "Reading aloud needs espeak-ng, an offline voice (on Debian or Ubuntu: "
                "sudo apt install espeak-ng)."
            )
        pieces = sentences(speakable(text))
        if not pieces:
            raise VoiceError("There is nothing to read aloud.")
        self.problem = ""
        self._out, self._stopped = out, threading.Event()
        self._child: Any
        self._child, self._conn = isolate.start_worker(
            _synthesize, found, pieces, voice, words_per_minute, memory_limit_bytes=MEMORY_BYTES
        )
        self._thread = threading.Thread(target=self._play, name="read-aloud", daemon=True)
        self._thread.start()

    @property
    def ended(self) -> bool:
        """Read to the end, failed, or stopped."""
        return not self._thread.is_alive()

    def stop(self) -> None:
        self._stopped.set()
        if self._child.is_alive():
            self._child.kill()
        self._child.join(2)
        self._thread.join(2)

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _play(self) -> None:
        sink: SoundOut | None = None
        try:
            while not self._stopped.is_set():
                if not self._conn.poll(BLOCK_S):
                    continue
                kind, payload = self._conn.recv()
                if kind == "done":
                    break
                if kind == "error":
                    self.problem = str(payload)
                    break
                rate, samples = wav_samples(payload)
                sink = sink or self._out(rate)
                block = max(1, int(rate * BLOCK_S))
                for at in range(0, len(samples), block):
                    if self._stopped.is_set():
                        break
                    sink.write(samples[at : at + block])
        except (EOFError, OSError):
            if not self._stopped.is_set():
                self.problem = "The voice stopped unexpectedly."
        except HushdeskError as exc:
            self.problem = exc.message
        finally:
            if sink is not None:
                sink.close()
            with contextlib.suppress(OSError):
                self._conn.close()


def _synthesize(
    conn: Connection, voice_program: str, pieces: list[str], voice: str, words_per_minute: int
) -> None:
    """The voice's child: each piece spoken by espeak-ng to WAV, sent back in order."""
    for piece in pieces:
        try:
            done = subprocess.run(
                [voice_program, "--stdout", "--stdin", "-v", voice, "-s", str(words_per_minute)],
                input=piece.encode("utf-8"),
                capture_output=True,
                timeout=SENTENCE_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            conn.send(("error", f"The voice did not answer ({type(exc).__name__})."))
            return
        if done.returncode != 0 or len(done.stdout) > MAX_SOUND_BYTES:
            conn.send(("error", f"The voice could not read this (voice {voice!r})."))
            return
        conn.send(("sound", done.stdout))
    conn.send(("done", None))
