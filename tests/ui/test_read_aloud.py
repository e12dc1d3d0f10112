"""Read aloud, as a user meets it: off until turned on in Settings → Speech; then each
answer and the draft offer it, the real offline voice (espeak-ng, in its child) speaks,
the speakers — a recorder at the audio boundary — get the sound, and Stop silences it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from hushdesk.ui.settings_page import SettingsPage
from hushdesk.ui.widgets.speech_settings import SpeechSettings
from tests.fakes import FakeEngine
from tests.speech import RecordedSpeakers, word_error_rate
from tests.ui.conftest import MakeWindow, answer_boxes

ANSWER = "The deposit is held in a separate bank account [1]."


def test_answers_are_read_aloud_once_turned_on_and_stop_silences_them(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window(FakeEngine(reply=ANSWER))
    chat = window.chat
    assert not chat.read_aloud.isVisibleTo(window)  # off by default
    chat.composer.setPlainText("Where is the deposit?")
    chat.send()
    qtbot.waitUntil(lambda: not chat.busy, timeout=30_000)
    assert "read:" not in chat.view.toHtml()

    window.go("settings")
    page = window.page("settings")
    assert isinstance(page, SettingsPage)
    [speech] = page.findChildren(SpeechSettings)
    assert not speech.speed.isEnabled()
    speech.reading.setChecked(True)
    assert window.app.settings.speech.read_aloud
    window.go("chat")
    assert chat.read_aloud.isVisibleTo(window)
    answer = next(t for t in chat.chat.turns if t.role == "assistant")
    assert f"read:{answer.id}" in chat.view.toHtml()  # the answer offers it now
    assert not window.page("email").read_aloud.isHidden()  # on a page not shown now

    speakers = RecordedSpeakers()
    window.app.recordings.speakers = speakers.open
    chat.view.anchorClicked.emit(QUrl(f"read:{answer.id}"))  # the answer's own link
    assert chat.read_aloud.text() == "Stop reading"
    qtbot.waitUntil(lambda: not chat.read_aloud.reading, timeout=30_000)
    assert chat.read_aloud.text() == "Read aloud"
    heard = window.app.recordings.transcribe(speakers.save(tmp_path / "heard.wav")).text
    assert word_error_rate(ANSWER.removesuffix(" [1]."), heard) <= 0.25, heard

    slow = RecordedSpeakers(pace=1.0)
    window.app.recordings.speakers = slow.open
    chat.read_aloud.read(ANSWER * 30)
    qtbot.waitUntil(lambda: bool(slow.blocks), timeout=30_000)
    chat.read_aloud.click()  # Stop reading
    assert not chat.read_aloud.reading
    assert slow.closed


def test_no_voice_is_said_plainly(make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from hushdesk.speech import voice

    window = make_window()
    window.app.recordings.set_reading(True)
    monkeypatch.setattr(voice, "program", lambda: None)
    boxes = answer_boxes(monkeypatch, "OK")
    window.chat.read_aloud.read("Hello there.")
    assert not window.chat.read_aloud.reading
    assert "espeak-ng" in boxes[0].text()
