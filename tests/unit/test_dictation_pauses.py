"""Dictation's pause rule on synthetic sound (no model): an utterance ends at a pause,
words so far are asked for while it is spoken, a steady hum is the room, not speech."""

from __future__ import annotations

import numpy as np

from hushdesk.speech.dictation import END_PAUSE_S, _Utterances

RATE = 16_000


def tone(seconds: float, level: float = 0.2) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def quiet(seconds: float, level: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (level * rng.standard_normal(int(seconds * RATE))).astype(np.float32)


def events(*pieces: np.ndarray) -> list[tuple[str, float]]:
    cutter = _Utterances()
    out: list[tuple[str, float]] = []
    for piece in pieces:
        for i in range(0, len(piece), 1600):  # as a microphone hands them: 100 ms blocks
            out += [(kind, len(s) / RATE) for kind, s in cutter.add(piece[i : i + 1600])]
    return out


def test_two_utterances_with_words_shown_while_spoken() -> None:
    said = events(quiet(0.5), tone(2.5), quiet(1.0), tone(1.2), quiet(1.0))
    finals = [length for kind, length in said if kind == "final"]
    assert len(finals) == 2
    assert 2.5 + END_PAUSE_S <= finals[0] < 2.5 + END_PAUSE_S + 0.3  # with its pre-roll
    partials = [kind for kind, _ in said[: said.index(("final", finals[0]))]]
    assert partials == ["partial", "partial"]  # at 1 s and 2 s of speech


def test_a_short_breath_does_not_end_an_utterance_and_a_hum_is_not_speech() -> None:
    said = events(tone(1.0), quiet(0.3), tone(1.0), quiet(1.0))
    assert [kind for kind, _ in said].count("final") == 1
    hum = quiet(3.0, level=0.01)  # a fan: above the silence floor, but steady
    assert [kind for kind, _ in events(hum)].count("final") <= 1
    assert events(quiet(2.0)) == []
