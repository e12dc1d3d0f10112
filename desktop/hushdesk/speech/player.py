"""Playing a recording from a time — where a citation says its words were spoken.

In a child, like every other reading of a recording (its demuxer and codec are native
code): decoded by PyAV at 16 kHz mono (speech), played through PortAudio. The child may
open local sockets only — the system's sound server (PulseAudio, PipeWire) is reached by
one — and no network. Stopping ends the child.
"""

from __future__ import annotations

import contextlib
from multiprocessing.connection import Connection
from typing import Any

from hushdesk import isolate, sandbox
from hushdesk.speech import audio

BLOCK_S = 5.0  # decoded and played at a time
MEMORY_BYTES = 2 << 30


class Playback:
    """A recording playing from ``start`` seconds until its end or ``stop``."""

    def __init__(self, path: str, start: float) -> None:
        self.start = start
        self._child: Any
        self._child, self._conn = isolate.start_worker(
            _play, path, start, memory_limit_bytes=MEMORY_BYTES,
            sockets=sandbox.Sockets.LOCAL_SOCKETS_ONLY,
        )  # fmt: skip
        self._problem = ""
        self._sounding = False  # the sound output is open and being fed

    @property
    def playing(self) -> bool:
        """The sound is being played (False before the output opens, and after)."""
        self._hear()
        return self._sounding and not self._problem and bool(self._child.is_alive())

    @property
    def problem(self) -> str:
        """Why it cannot play (no sound output, a damaged file), once the child says."""
        self._hear()
        return self._problem

    @property
    def ended(self) -> bool:
        """It has stopped: played to the end, failed, or was stopped."""
        return not self._child.is_alive()

    def _hear(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            while not self._problem and self._conn.poll():
                kind, text = self._conn.recv()
                if kind == "error":
                    self._problem = str(text)
                self._sounding = self._sounding or kind == "playing"

    def stop(self) -> None:
        if self._child.is_alive():
            self._child.kill()
        self._child.join(2)
        with contextlib.suppress(OSError):
            self._conn.close()


def _play(conn: Connection, path: str, start: float) -> None:
    """The player child: decode a block, play it, until the recording ends."""
    try:
        import sounddevice
    except (ImportError, OSError):  # OSError: no PortAudio library
        conn.send(("error", "Playing needs PortAudio, the sound library (on Debian or "
                   "Ubuntu: sudo apt install libportaudio2)."))  # fmt: skip
        return
    try:
        sounddevice.query_devices(kind="output")
    except (ValueError, sounddevice.PortAudioError):
        conn.send(("error", "No sound output was found on this computer."))
        return
    try:
        with sounddevice.OutputStream(samplerate=audio.RATE, channels=1, dtype="float32") as out:
            conn.send(("playing", None))
            at, ended = start, False
            while not ended:
                samples, ended = audio.decode(path, at, BLOCK_S)
                out.write(samples.reshape(-1, 1))
                at += BLOCK_S
    except sounddevice.PortAudioError as exc:
        conn.send(("error", f"The sound output could not be used ({exc})."))
    except Exception as exc:  # a damaged file: said, never a traceback
        conn.send(("error", f"The recording could not be played ({type(exc).__name__})."))
