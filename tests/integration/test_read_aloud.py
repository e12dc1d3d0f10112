"""Reading aloud on real parts: espeak-ng speaks an answer in a child with no sockets,
the sound reaches the speakers (a recorder at the audio boundary), and the bundled
Whisper hears the answer's words back — without its citation marks or formatting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hushdesk.services.recordings import Recordings, VoiceError
from hushdesk.settings import Settings
from hushdesk.speech import voice
from tests.speech import RecordedSpeakers, word_error_rate

ANSWER = (
    "## Rent\n\nThe tenant shall pay the rent on the first day of each month [1]. "
    "**The landlord** keeps the deposit in a separate bank account [2]."
)
SAID = (
    "Rent. The tenant shall pay the rent on the first day of each month. "
    "The landlord keeps the deposit in a separate bank account."
)


def test_an_answer_is_read_aloud_and_its_words_are_heard_back(tmp_path: Path) -> None:
    recordings = Recordings(Settings())
    speakers = RecordedSpeakers()
    recordings.speakers = speakers.open
    reading = recordings.read_aloud(ANSWER)
    reading.wait(60)
    assert reading.ended
    assert reading.problem == ""
    assert speakers.closed
    heard = recordings.transcribe(speakers.save(tmp_path / "heard.wav")).text
    assert word_error_rate(SAID, heard) <= 0.25, heard


def test_stop_silences_the_voice_at_once() -> None:
    recordings = Recordings(Settings())
    speakers = RecordedSpeakers(pace=1.0)  # as slow as real speakers
    recordings.speakers = speakers.open
    long_answer = ANSWER * 20  # minutes of speech
    reading = recordings.read_aloud(long_answer)
    deadline = time.monotonic() + 30
    while not speakers.blocks and time.monotonic() < deadline:
        time.sleep(0.05)
    assert speakers.blocks
    reading.stop()
    assert reading.ended
    assert speakers.closed
    played = sum(len(b) for b in speakers.blocks) / speakers.rate
    assert played < 10  # seconds of sound, of minutes: stopped, not played to the end


def test_without_a_voice_or_words_the_message_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recordings = Recordings(Settings())
    with pytest.raises(VoiceError, match="nothing to read"):
        recordings.read_aloud("** [1] __ ##")
    monkeypatch.setattr(voice, "program", lambda: None)
    with pytest.raises(VoiceError, match="apt install espeak-ng"):
        recordings.read_aloud(ANSWER)
