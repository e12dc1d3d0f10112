"""Settings → Speech: the model menu, a folder chosen, a bad folder refused plainly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hushdesk.ui import file_dialogs
from hushdesk.ui.settings_page import SettingsPage
from tests.ui.conftest import MakeWindow, answer_boxes


def test_a_model_folder_is_chosen_or_refused_with_the_reason(
    make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.ui.widgets.speech_settings import SpeechSettings

    window = make_window()
    window.go("settings")
    page = window.page("settings")
    assert isinstance(page, SettingsPage)
    [speech] = page.findChildren(SpeechSettings)
    assert speech.model.currentText() == "whisper-tiny.en (English)"
    assert not speech.language.isEnabled()  # tiny.en hears English only

    boxes = answer_boxes(monkeypatch, "OK")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(file_dialogs, "choose_folder", lambda *_a: str(empty))
    speech.choose_folder()
    assert "not a speech model" in boxes[0].text()
    assert window.app.settings.speech.model == ""

    mine = tmp_path / "whisper-mine"
    shutil.copytree(window.app.recordings.speech_model().path, mine)
    monkeypatch.setattr(file_dialogs, "choose_folder", lambda *_a: str(mine))
    speech.choose_folder()
    assert speech.model.currentText() == "whisper-mine (English)"
    assert window.app.settings.speech.model == str(mine.resolve())
    speech.model.setCurrentIndex(0)
    speech.model.activated.emit(0)  # back to the bundled one
    assert window.app.settings.speech.model == ""
