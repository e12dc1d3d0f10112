"""Untrusted text on screen loads nothing and runs no markup: a Markdown image pointing
at ``/dev/zero`` or a network share in a saved answer, rich-text model names and
conversation titles, tooltips that look like HTML, links that open only after asking."""

from __future__ import annotations

import base64
import html
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from PySide6.QtCore import QBuffer, QEvent, QIODevice, QPoint, Qt, QUrl
from PySide6.QtGui import QHelpEvent, QImage, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.models.registry import InstalledModel
from hushdesk.ui import safe_text
from hushdesk.ui.markdown import MarkdownRenderer, Theme
from hushdesk.ui.safe_text import SafeTextBrowser, SafeTextDocument
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, answer_boxes

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
    window.go("models")
    for label in window.findChildren(QLabel):
        if "<img" in label.text():
            assert label.textFormat().name == "PlainText", label.text()


def test_links_in_answers_open_only_after_asking(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(safe_text.QDesktopServices, "openUrl", opened.append)

    parent = QWidget()
    qtbot.addWidget(parent)
    url = QUrl("https://evil.example/collect?notes=client%20Smith")
    asked = answer_boxes(monkeypatch, "Cancel")
    assert not safe_text.open_link(parent, url)
    assert opened == []
    assert asked[0].informativeText() == "https://evil.example/collect?notes=client%20Smith"
    asked_again = answer_boxes(monkeypatch, "Open link")
    safe_text.open_link(parent, url)
    assert len(opened) == 1
    assert not safe_text.open_link(parent, QUrl("file:///etc/passwd"))  # never asked
    assert len(asked) + len(asked_again) == 2


POLLER = """
import os, sys, time
while True:
    try:
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        time.sleep(0.01)
        continue
    os.close(fd)
    print("opened", flush=True)
"""


class FifoTrap:
    """A FIFO that tells whether anything opened it to read. A reader would block the
    GUI thread (holding Python's lock), so the watch runs in another process: it sees
    the reader (a FIFO accepts a writer only then), and its close ends the read, so a
    test that fails still ends."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "fifo"
        os.mkfifo(self.path)
        self._watch = subprocess.Popen(
            [sys.executable, "-c", POLLER, str(self.path)], stdout=subprocess.PIPE, text=True
        )

    def opened(self) -> int:
        self._watch.terminate()
        out, _ = self._watch.communicate(timeout=30)
        return out.count("opened")


@pytest.fixture
def trap(tmp_path: Path) -> Iterator[FifoTrap]:
    made = FifoTrap(tmp_path)
    yield made
    if made._watch.poll() is None:
        made._watch.kill()
        made._watch.wait()


@pytest.mark.timeout(120)
def test_a_rich_label_loads_no_file_device_or_share(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, trap: FifoTrap
) -> None:
    """The process-wide guard (install_resource_guard, from create_app) covers the
    documents inside labels, which no widget policy reaches: a rich label that names a
    FIFO, a 300-pixel PNG or a share loads none of them; a data: image still shows."""
    assert safe_text.guarded()
    assert os.environ["QT_HIGHDPI_DISABLE_2X_IMAGE_LOADING"] == "1"  # no name@2x.png look-up
    data_png = "data:image/png;base64," + base64.b64encode(png_bytes(40)).decode()
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)  # as a mistake would, past TextPolicy
    qtbot.addWidget(label)
    label.setText(
        f'<p>a</p><img src="{trap.path}"><img src="{picture(tmp_path)}">'
        f'<img src="//attacker/share/x.png"><img src="{data_png}">'
    )
    assert 40 <= label.sizeHint().height() < 100  # the data: image, not the file
    label.show()
    qtbot.waitExposed(label)
    label.grab()  # painted too
    label.setText(f'again <img src="{trap.path.as_uri()}">')  # same document, new content
    label.grab()
    box = QMessageBox()
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f'<img src="{trap.path}">')
    qtbot.addWidget(box)
    box.show()
    box.grab()
    document = SafeTextDocument()
    document.setHtml(f'<img src="{data_png}">')
    assert document.size().height() >= 40  # data: images kept in the safe documents
    assert trap.opened() == 0


@pytest.mark.timeout(180)
def test_the_summarize_page_shows_hostile_names_and_reader_errors_as_text(
    qtbot: QtBot, tmp_path: Path, trap: FifoTrap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file named like markup and a DOCX whose error names a part ``<img src=…>``
    (what python-docx reports for a broken package) are shown as the text they are:
    the page reads neither the FIFO nor the picture they name."""
    from hushdesk.ui.summarize_page import SummarizePage
    from hushdesk.ui.tasks import Tasks

    monkeypatch.chdir(tmp_path)  # Qt resolves a relative src against the working folder
    picture(tmp_path)
    named = tmp_path / '<img src="fifo"><img src="tracked.png">.txt'
    named.write_text("The lease ends in May.\n\nRent is due monthly.", encoding="utf-8")
    docx = tmp_path / "evil.docx"
    broken_docx(docx, f'<img src="{trap.path}"><img src="tracked.png">')

    app = App(engine=FakeEngine())
    tasks = Tasks()
    page = SummarizePage(app, tasks)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    label = page.source_label
    try:
        page.open_path(named)
        assert label.sizeHint().height() < 100  # "Reading <img…>…" laid out at once
        qtbot.waitUntil(lambda: page.source is not None, timeout=60_000)
        assert label.sizeHint().height() < 100
        assert shown_text(label).startswith(named.name)

        page.open_path(docx)
        qtbot.waitUntil(lambda: "not a readable" in label.text(), timeout=60_000)
        label.grab()
        assert label.sizeHint().height() < 100
        assert f'<img src="{trap.path}">' in shown_text(label)

        page.set_text("Some pasted text.", name=f'<img src="{trap.path}">')
        label.grab()
        assert shown_text(label).startswith(f'<img src="{trap.path}">')
    finally:
        tasks.wait(30_000)
        app.close()
    assert trap.opened() == 0


def test_rich_message_boxes_show_their_markup_and_plain_ones_their_text(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The About box is rich on purpose (``Rich``: TextPolicy made it show its tags);
    a question naming a file is plain, and so is anything made from a ``Rich`` text."""
    from hushdesk.ui.message_box import Rich, confirm, tell

    boxes = answer_boxes(monkeypatch, "OK", "Keep it", "OK")
    tell(None, "About", Rich("<b>Ctrl+N</b>"), "info")
    assert not confirm(None, "Delete", HOSTILE, "Delete", cancel="Keep it", detail=HOSTILE)
    tell(None, "About", Rich("<b>a</b>") + HOSTILE)
    shown = [(box.textFormat().name, box.text()) for box in boxes]
    assert shown == [
        ("RichText", "<b>Ctrl+N</b>"),
        ("PlainText", HOSTILE),
        ("PlainText", "<b>a</b>" + HOSTILE),
    ]
    informative = boxes[1].findChild(QLabel, "qt_msgbox_informativelabel")
    assert informative is not None
    assert informative.textFormat() == Qt.TextFormat.PlainText


def png_bytes(size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(0)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(buffer.data().data())


def broken_docx(path: Path, part: str) -> None:
    """A Word package whose main part is missing, named ``part`` in its relationships."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
        '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        f"Target={quoteattr(part)}/></Relationships>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)


def shown_text(label: QLabel) -> str:
    """What a rich label shows, as text."""
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_the_password_prompt_names_the_file_as_text(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from hushdesk.ui.messages import ask_password

    seen: list[tuple[str, str]] = []

    def exec_(dialog: QInputDialog) -> int:
        seen.extend(
            (label.textFormat().name, label.text()) for label in dialog.findChildren(QLabel)
        )
        dialog.setTextValue("secret")
        return QInputDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QInputDialog, "exec", exec_)
    assert ask_password(None, HOSTILE) == "secret"
    assert seen == [("PlainText", f"Password for {HOSTILE}:")]
