"""Dictation: speech turned into text as it is spoken, an utterance at a time.

The microphone's samples (16 kHz mono) are fed in as they come (``Dictation.feed``,
from the audio thread). A thread of its own cuts them into utterances at pauses — a
frame is voiced when it is louder than the room (an adaptive noise floor) — and has
the ``Listener`` transcribe the utterance so far every ``PARTIAL_S`` while it is
spoken (``on_partial``: words appear as they are recognised) and once more, whole,
when the speaker pauses (``on_final``). The audio lives only in memory and each
utterance's is dropped once it is text.

The listener is a child process that keeps the speech model loaded (a transcription
window's child loads it for each window; dictation cannot wait for that), set up like
every child: no network, no core dumps, a memory cap. A request that overruns its time
kills it; the next request starts a fresh one.

The voice-activity rule is hand-written (a few lines of RMS arithmetic): faster-whisper's
Silero filter is for whole recordings, and a pause must be seen within a frame here.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from hushdesk import isolate
from hushdesk.errors import HushdeskError
from hushdesk.speech.audio import RATE
from hushdesk.speech.models import SpeechModel
from hushdesk.speech.transcribe import threads

FRAME = int(0.03 * RATE)  # 30 ms: the unit the pause rule looks at
END_PAUSE_S = 0.6  # this much quiet after speech ends an utterance
PARTIAL_S = 1.0  # the words so far, this often while speaking
PRE_ROLL_S = 0.2  # kept before the first voiced frame: a soft first consonant
MAX_UTTERANCE_S = 25.0  # Whisper hears 30 s at a time: a longer stretch is cut here
MIN_LEVEL = 0.006  # RMS below this is silence however quiet the room
ABOVE_FLOOR = 3.0  # voiced: this many times the room's level…
FLOOR_RISE = 1.01  # …which follows a quieter frame at once, a louder one slowly (a
# steady hum is the room after a second or two; speech has quiet frames between words)
HEAR_TIMEOUT_S = 30.0
START_TIMEOUT_S = 60.0
MEMORY_BYTES = 4 << 30


class DictationError(HushdeskError):
    """Dictation could not go on (the listener failed, the microphone stopped)."""


class Listener:
    """A child that holds the speech model and transcribes what it is sent."""

    def __init__(self, model: SpeechModel, language: str | None = None) -> None:
        self.model = model
        self.language = language or (None if model.multilingual else "en")
        self._lock = threading.Lock()
        self._child: tuple[Any, Connection] | None = None

    def ready(self) -> None:
        """The child started and its model loaded (dictation's first words wait less)."""
        with self._lock:
            self._start()

    def _start(self) -> Connection:
        if self._child is None:
            self._child = isolate.start_worker(
                _serve, str(self.model.path), self.language, memory_limit_bytes=MEMORY_BYTES
            )
            self._answer(START_TIMEOUT_S)  # loaded
        assert self._child is not None
        return self._child[1]

    def hear(self, samples: np.ndarray) -> str:
        with self._lock:
            conn = self._start()
            conn.send(("hear", np.ascontiguousarray(samples, dtype=np.float32).tobytes()))
            return str(self._answer(HEAR_TIMEOUT_S))

    def _answer(self, timeout_s: float) -> object:
        assert self._child is not None
        process, conn = self._child
        try:
            if conn.poll(timeout_s):
                kind, value = conn.recv()
                if kind == "ok":
                    return value
                raise DictationError(f"The speech model failed: {value}")
        except (EOFError, OSError):
            pass
        self._child = None
        process.kill()
        process.join(5)
        raise DictationError(
            f"The speech model stopped ({isolate.describe_exit(process.exitcode)})."
            if not process.is_alive()
            else "The speech model took too long and was stopped."
        )

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                process, conn = self._child
                with contextlib.suppress(OSError):
                    conn.close()
                process.join(2)
                if process.is_alive():
                    process.kill()
                self._child = None


def _serve(conn: Connection, model_dir: str, language: str | None) -> None:
    """The listener child: load the model, then transcribe each request (runs in the
    child until the parent closes the pipe)."""
    import tqdm

    tqdm.tqdm.set_lock(threading.RLock())  # see transcribe.window_here
    from faster_whisper import WhisperModel

    try:
        whisper = WhisperModel(model_dir, device="cpu", compute_type="int8",
                               cpu_threads=threads())  # fmt: skip
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ok", "loaded"))
    while True:
        _, payload = conn.recv()
        samples = np.frombuffer(payload, dtype=np.float32)
        try:
            found, _ = whisper.transcribe(samples, language=language, beam_size=5,
                                          condition_on_previous_text=False,
                                          without_timestamps=True)  # fmt: skip
            conn.send(("ok", " ".join(" ".join(s.text.split()) for s in found).strip()))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class Dictation:
    """Samples in (``feed``, any thread), text out: ``on_partial(text)`` while an
    utterance is spoken, ``on_final(text)`` once it ends; ``on_error(message)`` if the
    listener fails. ``stop`` ends what was being said and stops."""

    def __init__(
        self,
        listener: Listener,
        *,
        on_partial: Callable[[str], None],
        on_final: Callable[[str], None],
        on_error: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self._listener = listener
        self._on_partial, self._on_final, self._on_error = on_partial, on_final, on_error
        self._inbox: queue.Queue[np.ndarray | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="hushdesk-dictation", daemon=True)
        self._thread.start()

    def feed(self, samples: np.ndarray) -> None:
        """16 kHz mono samples, float in [-1, 1] or int16."""
        if samples.dtype == np.int16:
            samples = samples.astype(np.float32) / 32768.0
        self._inbox.put(np.asarray(samples, dtype=np.float32).reshape(-1))

    def stop(self, timeout_s: float = HEAR_TIMEOUT_S) -> None:
        self._inbox.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        cutter = _Utterances()
        try:
            self._listener.ready()
            while True:
                piece = self._inbox.get()
                if piece is None:
                    break
                for event, samples in cutter.add(piece):
                    text = self._listener.hear(samples)
                    (self._on_final if event == "final" else self._on_partial)(text)
            if cutter.pending() is not None:
                self._on_final(self._listener.hear(cutter.pending()))  # type: ignore[arg-type]
        except DictationError as exc:
            self._on_error(exc.message)


class _Utterances:
    """Cuts a stream of samples into utterances at pauses: ``add`` returns what to
    transcribe now — ("partial", the utterance so far) while it is spoken, ("final",
    all of it) once it has ended."""

    def __init__(self) -> None:
        self._carry = np.zeros(0, dtype=np.float32)  # less than a frame, kept for the next
        self._floor = MIN_LEVEL / ABOVE_FLOOR  # the room's level
        self._before: collections.deque[np.ndarray] = collections.deque(
            maxlen=max(1, int(PRE_ROLL_S * RATE / FRAME))
        )
        self._said: list[np.ndarray] = []  # the utterance's frames
        self._quiet = 0  # frames of quiet since the last voiced one
        self._since_partial = 0  # frames since the last partial

    def pending(self) -> np.ndarray | None:
        voiced = len(self._said) - self._quiet
        return np.concatenate(self._said) if voiced > 0 else None

    def add(self, samples: np.ndarray) -> list[tuple[str, np.ndarray]]:
        out: list[tuple[str, np.ndarray]] = []
        data = np.concatenate([self._carry, samples])
        whole = len(data) // FRAME * FRAME
        self._carry = data[whole:]
        for frame in data[:whole].reshape(-1, FRAME):
            event = self._frame(frame)
            if event is not None:
                out.append(event)
        return out

    def _frame(self, frame: np.ndarray) -> tuple[str, np.ndarray] | None:
        level = float(np.sqrt(np.mean(frame * frame)))
        voiced = level > max(MIN_LEVEL, ABOVE_FLOOR * self._floor)
        self._floor = min(self._floor * FLOOR_RISE, level)
        if not self._said:
            if not voiced:
                self._before.append(frame)
                return None
            self._said = [*self._before, frame]
            self._before.clear()
            self._quiet = self._since_partial = 0
            return None
        self._said.append(frame)
        self._quiet = 0 if voiced else self._quiet + 1
        self._since_partial += 1
        length = len(self._said) * FRAME / RATE
        if self._quiet * FRAME / RATE >= END_PAUSE_S or length >= MAX_UTTERANCE_S:
            spoken = np.concatenate(self._said)
            self._said = []
            return "final", spoken
        if self._since_partial * FRAME / RATE >= PARTIAL_S and self._quiet == 0:
            self._since_partial = 0
            return "partial", np.concatenate(self._said)
        return None
