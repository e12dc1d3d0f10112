"""What the voice reads of an answer, in what pieces, and the sound it gives back."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hushdesk.speech.voice import SENTENCE_CHARS, VoiceError, sentences, speakable, wav_samples


def test_an_answer_is_read_as_words_without_marks_code_or_addresses() -> None:
    answer = (
        "# Notice\n\n- The **deposit** is held [2].\n1. See [the lease](https://x.example/a).\n"
        "```python\nprint('x')\n```\n> Quoted `term`."
    )
    assert speakable(answer) == (
        "Notice The deposit is held . See the lease. (code left out) Quoted term ."
    )


def test_pieces_are_sentences_short_ones_joined_long_ones_cut_at_a_space() -> None:
    rent = (
        "The tenant pays the rent to the landlord by bank transfer before noon on the first "
        "working day of each calendar month."
    )
    assert sentences(f"Yes. No. {rent} Agreed.") == ["Yes. No.", rent, "Agreed."]
    long = "word " * 300
    pieces = sentences(long.strip())
    assert all(len(p) <= SENTENCE_CHARS for p in pieces)
    assert " ".join(pieces).split() == long.split()


def _wav(samples: np.ndarray, rate: int = 22050, *, bits: int = 16) -> bytes:
    pcm = (samples * 32767).astype("<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", 0x7FFFFFFF) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, bits)
    return header + b"data" + struct.pack("<I", 0x7FFFFFFF) + pcm


def test_the_voices_wav_is_read_although_its_header_cannot_say_its_length() -> None:
    tone = np.sin(np.linspace(0, 100, 2205)).astype(np.float32) * 0.5
    rate, samples = wav_samples(_wav(tone))
    assert rate == 22050
    assert np.allclose(samples, tone, atol=1e-3)
    with pytest.raises(VoiceError):
        wav_samples(b"not a wav at all" * 4)
    with pytest.raises(VoiceError):
        wav_samples(_wav(tone, bits=8))
