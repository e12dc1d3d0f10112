"""Images in the chat window: pasted into the message box or attached, shown as
thumbnails, sent with the question to a model that sees, shown in the transcript and
kept with the conversation; a model that does not see says so before anything is sent,
and the message and its images stay."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, send
from tests.vision import picture


@pytest.mark.qt_log_ignore("does not support")  # the offscreen platform
def test_an_image_pasted_goes_with_the_question(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    engine = FakeEngine(reply="A red square on white.")
    window = make_window(engine)
    chat = window.chat
    pasted = QMimeData()
    pasted.setImageData(QImage.fromData(picture()))
    chat.composer.insertFromMimeData(pasted)
    qtbot.waitUntil(lambda: len(chat.attachments.images()) == 1, timeout=30_000)
    assert chat.attachments.isVisible()
    assert chat.attachments.button.accessibleName() == "Attach an image"

    chat.composer.setPlainText("What is in this picture?")
    chat.send()  # the starter has no vision projector: said, nothing sent or lost
    assert "does not see images" in chat.status.text()
    assert chat.composer.toPlainText() == "What is in this picture?"
    assert len(chat.attachments.images()) == 1
    assert engine.requests == []

    registry = window.app.registry
    model = window.app.conversations.model_of(chat.chat)
    registry.add(dataclasses.replace(model, details={**model.details, "mmproj": "eyes.gguf"}))
    send(qtbot, window, "What is in this picture?")
    [image] = engine.requests[-1][-1].images
    with Image.open(io.BytesIO(image)) as sent:
        assert (sent.format, sent.size) == ("PNG", (40, 40))
    assert chat.attachments.images() == []
    assert not chat.attachments.isVisible()
    assert "data:image/png" in chat.view.toHtml()  # its thumbnail in the transcript
    reopened = window.app.conversations.open(chat.chat.id)
    assert reopened.turns[0].images == (image,)  # kept with the conversation

    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    chat.attachments.add_files([tmp_path / "broken.png"])
    qtbot.waitUntil(lambda: "could not be read" in chat.status.text(), timeout=30_000)
    assert chat.attachments.images() == []
