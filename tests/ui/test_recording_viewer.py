"""A recording's passage opened from a citation or a search: "Play from 0:20" plays the
real recording from where its words were said, in the player child; with no sound
output (as on CI) it says so plainly instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.speech import SCRIPT, speak
from tests.ui.conftest import MakeWindow, answer_boxes


def test_a_recordings_passage_plays_from_its_time_or_says_why_not(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wav = tmp_path / "interview.wav"
    starts = speak(SCRIPT[:2], wav)
    window = make_window()
    boxes = answer_boxes(monkeypatch, "OK")
    viewer = window.page("documents").open_document(
        str(wav), 2, SCRIPT[1], False, label=f"at 0:0{int(starts[1])}–0:08"
    )
    qtbot.addWidget(viewer)
    assert viewer.where.text() == f"At 0:0{int(starts[1])}–0:08"
    assert viewer.play.isVisible()
    assert viewer.play.text() == f"Play from 0:0{int(starts[1])}"
    qtbot.mouseClick(viewer.play, Qt.MouseButton.LeftButton)
    assert viewer.playback is not None
    assert viewer.playback.start == int(starts[1])
    qtbot.waitUntil(lambda: viewer.playback is None or viewer.playback.playing, timeout=20_000)
    if viewer.playback is None:  # no sound output here: said, and the button is back
        assert boxes
        assert "sound" in boxes[0].text().lower()
    else:  # a machine with sound: it plays until stopped (or the viewer is closed)
        qtbot.mouseClick(viewer.play, Qt.MouseButton.LeftButton)
        assert viewer.playback is None
    assert viewer.play.text().startswith("Play from")
    viewer.close()


def test_a_documents_passage_has_no_player(make_window: MakeWindow, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Plain notes.", encoding="utf-8")
    window = make_window()
    viewer = window.page("documents").open_document(str(notes), 1, "Plain", False)
    assert not viewer.play.isVisible()
    viewer.close()
