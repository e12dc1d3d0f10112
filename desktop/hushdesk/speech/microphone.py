"""The microphone, through PortAudio (``sounddevice``): 16 kHz mono samples handed to a
callback as they are recorded, kept nowhere else. And the speakers, for the voice that
reads aloud (``Speakers``).

Every way it can fail is said in plain words: no PortAudio on this system, no input
device, a device that refuses the format, or the OS refusing access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hushdesk.errors import HushdeskError
from hushdesk.speech.audio import RATE

BLOCK = RATE // 10  # 100 ms a callback


class SoundError(HushdeskError):
    """The microphone or the speakers cannot be used."""


class MicrophoneError(SoundError):
    """The microphone cannot be used."""


class Microphone:
    """The default input device. ``start`` begins handing samples to ``on_samples``
    (on PortAudio's thread); ``stop`` ends it."""

    def __init__(self, on_samples: Callable[[np.ndarray], None]) -> None:
        self._on_samples = on_samples
        self._stream: Any = None

    def start(self) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as exc:  # OSError: no PortAudio library
            raise MicrophoneError(
                "Dictation needs PortAudio, the sound library (on Debian or Ubuntu: "
                "sudo apt install libportaudio2)."
            ) from exc
        try:
            sounddevice.query_devices(kind="input")
        except (ValueError, sounddevice.PortAudioError) as exc:
            raise MicrophoneError(
                "No microphone was found. Plug one in (or allow Hushdesk to use it in "
                "the system's privacy settings) and try again."
            ) from exc

        def heard(data: np.ndarray, _frames: int, _time: Any, _status: Any) -> None:
            self._on_samples(data[:, 0].copy())

        try:
            self._stream = sounddevice.InputStream(
                samplerate=RATE, channels=1, dtype="float32", blocksize=BLOCK, callback=heard
            )
            self._stream.start()
        except sounddevice.PortAudioError as exc:
            self._stream = None
            raise MicrophoneError(
                f"The microphone could not be opened ({exc}). Another program may be "
                "using it, or the system refused access."
            ) from exc

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()


class Speakers:
    """The default output device at ``rate``, mono; ``write`` blocks while it plays."""

    def __init__(self, rate: int) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise SoundError(
                "Reading aloud needs PortAudio, the sound library (on Debian or Ubuntu: "
                "sudo apt install libportaudio2)."
            ) from exc
        try:
            sounddevice.query_devices(kind="output")
            self._stream = sounddevice.OutputStream(samplerate=rate, channels=1, dtype="float32")
            self._stream.start()
        except (ValueError, sounddevice.PortAudioError) as exc:
            raise SoundError("No sound output was found on this computer.") from exc

    def write(self, samples: np.ndarray) -> None:
        self._stream.write(samples.reshape(-1, 1))

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()
