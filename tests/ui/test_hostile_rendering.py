"""Untrusted text on screen loads nothing and runs no markup: a Markdown image pointing
at ``/dev/zero`` or a network share in a saved answer, rich-text model names and
conversation titles, tooltips that look like HTML, links that open only after asking."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QUrl
from PySide6.QtGui import QHelpEvent, QImage, QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.models.registry import InstalledModel
from hushdesk.ui import safe_text
from hushdesk.ui.markdown import MarkdownRenderer, Theme
from hushdesk.ui.safe_text import SafeTextBrowser, SafeTextDocument
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow

HOSTILE = '<img src="/dev/zero"><img src="//attacker/share/x.png"><b>Evil</b>'
ANSWER = "Here you go ![chart](/dev/zero) and ![logo](//attacker/share/logo.png) done."


def picture(tmp_path: Path) -> Path:
    path = tmp_path / "tracked.png"
    image = QImage(300, 300, QImage.Format.Format_RGB32)
    image.fill(0)
    assert image.save(str(path))
    return path


def test_markdown_images_become_links_never_loaded() -> None:
    rendered = MarkdownRenderer(Theme(False, "#000", "#666", "#eee", "#00f")).render(ANSWER)
    assert "<img" not in rendered.html
    assert '<a href="/dev/zero">[image: chart]</a>' in rendered.html
    assert "(//attacker/share/logo.png)" in rendered.html


@pytest.mark.timeout(60)
def test_text_views_load_no_file_or_share(qtbot: QtBot, tmp_path: Path) -> None:
    image = picture(tmp_path)
    browser = SafeTextBrowser()
    qtbot.addWidget(browser)
    browser.setHtml(f'<p>a</p><img src="{image}"><img src="/dev/zero"><img src="//host/s/x.png">')
    browser.show()
    qtbot.waitExposed(browser)
    assert browser.document().size().height() < 200  # the 300-pixel image is not there
    refused = browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl("//h/x"))
    assert isinstance(refused, QImage)
    assert refused.isNull()
    data = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    allowed = browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(data))
    assert not isinstance(allowed, QImage) or allowed is not refused

    document = SafeTextDocument()
    document.setHtml(f'<img src="{image}">')
    document.setTextWidth(400)
    assert document.size().height() < 200


@pytest.mark.timeout(60)
def test_labels_show_untrusted_markup_as_text(qtbot: QtBot, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    label = QLabel(f'<img src="{picture(tmp_path)}">{HOSTILE}', parent)  # Qt's "auto" format
    later = QLabel(HOSTILE)
    parent.show()
    later.setParent(parent)
    later.show()
    qtbot.waitExposed(parent)
    for shown in (label, later):
        assert shown.textFormat().name == "PlainText"
        assert shown.sizeHint().height() < 100


@pytest.mark.timeout(60)
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_tooltips_that_look_like_html_are_shown_as_text(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setToolTip(HOSTILE)
    widget.show()
    qtbot.waitExposed(widget)
    event = QHelpEvent(QEvent.Type.ToolTip, QPoint(1, 1), widget.mapToGlobal(QPoint(1, 1)))
    assert safe_text.TextPolicy().eventFilter(widget, event)
    assert html.escape(HOSTILE) in QToolTip.text()
    QToolTip.hideText()


@pytest.mark.timeout(120)
def test_a_saved_hostile_answer_and_names_reopen_without_loading_anything(
    make_window: MakeWindow, tmp_path: Path
) -> None:
    app = App(engine=FakeEngine())
    model = tmp_path / "evil.gguf"
    model.write_bytes(b"GGUF")
    app.registry.add(InstalledModel("evil", HOSTILE, "llm", str(model), "import"))
    store = app.conversations.store
    chat = store.create(title=HOSTILE)
    store.add_message(chat.id, "user", HOSTILE)
    store.add_message(chat.id, "assistant", ANSWER + " " + HOSTILE)
    app.preferences.remember_conversation(chat.id)

    window = make_window(app=app)  # opens the saved conversation at start
    view = window.chat.view
    assert "<img" not in view.toHtml()
    assert "[image: chart]" in view.toPlainText()
    assert HOSTILE in view.toPlainText()  # shown as the text it is
    window.show_page(window._page_index("Models"))
    for label in window.findChildren(QLabel):
        if "<img" in label.text():
            assert label.textFormat().name == "PlainText", label.text()


def test_links_in_answers_open_only_after_asking(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    asked: list[str] = []
    monkeypatch.setattr(safe_text.QDesktopServices, "openUrl", opened.append)

    def answer(choice: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def exec_(box: QMessageBox) -> QMessageBox.StandardButton:
            asked.append(box.informativeText())
            return choice

        return exec_

    parent = QWidget()
    qtbot.addWidget(parent)
    url = QUrl("https://evil.example/collect?notes=client%20Smith")
    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.StandardButton.Cancel))
    assert not safe_text.open_link(parent, url)
    assert opened == []
    assert asked == ["https://evil.example/collect?notes=client%20Smith"]  # all of it shown
    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.StandardButton.Open))
    safe_text.open_link(parent, url)
    assert len(opened) == 1
    assert not safe_text.open_link(parent, QUrl("file:///etc/passwd"))  # never asked
    assert len(asked) == 2
