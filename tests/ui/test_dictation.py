"""Dictation into the chat box with real parts: real speech (espeak-ng), the bundled
speech model in its listener child, the real button and box — only the microphone is
replaced, at the audio boundary, by a recording played into it as a microphone would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.speech import PlayedMicrophone, speak, word_error_rate
from tests.ui.conftest import MakeWindow, answer_boxes

pytestmark = pytest.mark.slow

SAID = (
    "Please send the signed lease to the tenant before the end of the week.",
    "Ask the landlord about the garden.",
)


class NoMicrophone:
    def __init__(self, _on_samples: Callable[[np.ndarray], None]) -> None:
        pass

    def start(self) -> None:
        from hushdesk.services.recordings import MicrophoneError

        raise MicrophoneError("No microphone was found. Plug one in and try again.")

    def stop(self) -> None:
        pass


def test_dictated_words_appear_in_the_chat_box_editable_and_unsent(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    from hushdesk.speech.audio import decode

    wav = tmp_path / "said.wav"
    speak(SAID, wav, gap_s=1.0)
    PlayedMicrophone.samples = decode(str(wav), 0, 60)[0]
    window = make_window()
    window.app.recordings.microphone = PlayedMicrophone
    chat = window.chat
    chat.composer.setPlainText("Note:")
    chat.composer.moveCursor(chat.composer.textCursor().MoveOperation.End)
    seen: list[str] = []
    chat.dictate.heard.connect(lambda text, _final: seen.append(text))
    qtbot.mouseClick(chat.dictate, Qt.MouseButton.LeftButton)
    assert chat.dictate.listening
    assert chat.dictate.text() == "Listening…"  # said in words, not only by a pressed look
    qtbot.waitUntil(lambda: "garden" in chat.composer.toPlainText().lower(), timeout=60_000)
    qtbot.mouseClick(chat.dictate, Qt.MouseButton.LeftButton)  # stop
    assert not chat.dictate.listening
    assert not chat.dictate.text()
    text = chat.composer.toPlainText()
    assert text.startswith("Note: ")
    assert word_error_rate(" ".join(SAID), text.removeprefix("Note: ")) <= 0.25, text
    assert len(seen) > len(SAID)  # words appeared while spoken, before each pause
    assert not [t for t in chat.chat.turns if t.role == "user"]  # nothing was sent
    chat.composer.insertPlainText(" Thanks.")  # still the user's to edit
    assert chat.composer.toPlainText().endswith("Thanks.")


def test_no_microphone_is_said_plainly(
    make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    window.app.recordings.microphone = NoMicrophone
    boxes = answer_boxes(monkeypatch, "OK")
    window.chat.dictate.click()
    assert not window.chat.dictate.listening
    assert not window.chat.dictate.isChecked()
    assert boxes
    assert "No microphone" in boxes[0].text()
