"""The Summarize page: progress, cancel and resume, page references, export, reopening."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.engine.types import Message
from hushdesk.ui.summarize_page import SummarizePage
from hushdesk.ui.tasks import Tasks
from tests.documents import CASE_FACTS, case_file, pdf
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, send
from tests.unit.test_summarize import FILLER, first_sentences


def slow_first_sentences(messages: list[Message]) -> str:
    time.sleep(0.05)
    return first_sentences(messages)


def make_page(qtbot: QtBot, app: App) -> tuple[SummarizePage, Tasks]:
    tasks = Tasks()
    page = SummarizePage(app, tasks)
    qtbot.addWidget(page)
    page.show()
    return page, tasks


@pytest.fixture
def fake_page(qtbot: QtBot) -> Iterator[SummarizePage]:
    app = App(engine=FakeEngine(respond=slow_first_sentences))
    page, tasks = make_page(qtbot, app)
    yield page
    page.stop()
    tasks.wait(30_000)
    app.close()


def long_text(sections: int = 30) -> str:
    out = []
    for n in range(1, sections + 1):
        body = " ".join(FILLER[(n + i) % 4] for i in range(40))
        out.append(body + (" " + CASE_FACTS[3] if n == 4 else ""))
    return "\n\n".join(out)


def test_cancel_resume_read_open_a_reference_copy_and_export(
    qtbot: QtBot, fake_page: SummarizePage, tmp_path: Path
) -> None:
    page = fake_page
    page.set_text(long_text(), "Minutes")
    assert page.start.isEnabled()
    assert "Minutes" in page.source_label.text()
    page.mode.setCurrentIndex(page.mode.findData("key-points"))
    page.summarize()
    assert page.running.isVisible()
    qtbot.waitUntil(lambda: "Summarizing part 3" in page.progress_label.text(), timeout=30_000)
    assert "left" in page.progress_label.text()  # an ETA
    page.stop()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    assert "Cancelled" in page.notice.text()
    qtbot.waitUntil(lambda: page.shown is not None and page.shown.status == "cancelled")
    assert page.resume.isVisible()
    assert page.saved.count() == 1
    assert page.saved.item(0).text().endswith("stopped")

    page.resume_shown()
    qtbot.waitUntil(lambda: page.job is None, timeout=60_000)
    saved = page.shown
    assert saved is not None
    assert saved.status == "done"
    assert saved.summary is not None
    assert saved.summary.stats.reused_steps >= 2  # finished parts were not redone
    html = page.view.toHtml()
    assert "Orion" in html
    assert 'href="ref:' in html
    assert not page.resume.isVisible()

    index = next(i for i, s in enumerate(saved.summary.statements) if "Orion" in s.text)
    page.view.anchorClicked.emit(QUrl(f"ref:{index}"))
    assert page.viewer is not None
    assert "Orion" in page.viewer.text.toPlainText()  # the section, the sentence marked
    assert page.viewer.highlighted == 1
    page.viewer.close()

    page.copy_shown()
    from PySide6.QtGui import QGuiApplication

    assert "Orion" in QGuiApplication.clipboard().text()
    out = tmp_path / "summary.docx"
    page.export_to(out)
    qtbot.waitUntil(lambda: "Exported" in page.notice.text(), timeout=10_000)
    assert out.stat().st_size > 0
    pdf = tmp_path / "summary.pdf"
    page.export_to(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "summary.pdf" in page.notice.text()


def test_the_custom_mode_asks_for_an_instruction(fake_page: SummarizePage) -> None:
    page = fake_page
    page.set_text("A short note. " * 20)
    page.mode.setCurrentIndex(page.mode.findData("custom"))
    assert not page.form.instruction.isHidden()
    page.summarize()
    assert page.job is None
    assert "instruction" in page.notice.text()


@pytest.mark.slow
def test_a_pdf_summarized_on_the_real_model_reopens_with_its_summary(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    document = pdf(
        tmp_path / "contract.pdf",
        [
            "Alice Marlow signed the Orion supply contract on 3 March 2021 for 250,000 euros.",
            "Kestrel Logistics must deliver the first 400 crates by 1 June 2021.",
        ],
    )
    window = make_window(app=App())
    window.nav.setCurrentRow(2)
    page = window.page("summaries")
    assert window.pages.currentWidget() is page
    page.open_path(document)
    qtbot.waitUntil(lambda: page.source is not None, timeout=60_000)
    page.summarize()
    qtbot.waitUntil(lambda: page.job is None, timeout=120_000)
    saved = page.shown
    assert saved is not None
    assert saved.status == "done", page.notice.text()
    assert "one pass" in page.notice.text()
    assert saved.summary is not None
    assert saved.summary.statements

    page.view.anchorClicked.emit(QUrl("ref:0"))
    viewer = page.viewer
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.page_count == 2, timeout=30_000)  # the PDF page, rendered
    viewer.close()

    page._show(None)  # choosing the document again shows its summary
    page.open_path(document)
    qtbot.waitUntil(lambda: page.shown is not None and page.shown.id == saved.id, timeout=30_000)


@pytest.mark.slow
def test_a_long_pdf_from_the_library_page_button(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    """The Documents page's Summarize button opens the document here."""
    app = App(engine=FakeEngine(respond=first_sentences))
    window = make_window(app=app)
    library = app.library.library("Client")
    app.library.ingest(library, [case_file(tmp_path / "case.pdf", pages=12)])
    documents = window.page("documents")
    documents.refresh_libraries()
    qtbot.waitUntil(lambda: documents.table.rowCount() == 1, timeout=30_000)
    documents.table.selectRow(0)
    documents.body.buttons["Summarize"].click()
    assert window.built("summaries")
    page = window.page("summaries")
    assert window.pages.currentWidget() is page
    qtbot.waitUntil(lambda: page.source is not None, timeout=30_000)
    assert page.source is not None
    assert page.source.file_id is not None
    assert len(page.source.pages) == 12


def test_a_chat_sent_during_a_summary_answers_between_its_model_calls(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """One model, two pieces of work: the chat's answer comes while the summary still
    runs (the engine takes their calls in turn), not after it."""

    def respond(messages: list[Message]) -> str:
        if messages[-1].content.startswith("hello"):
            return "hi there"
        time.sleep(0.3)  # a summary step: slow
        return first_sentences(messages)

    window = make_window(FakeEngine(respond=respond))
    page = window.page("summaries")
    page.set_text(long_text(60), "Minutes")
    page.summarize()
    qtbot.waitUntil(lambda: "Summarizing part 2" in page.progress_label.text(), timeout=30_000)
    send(qtbot, window, "hello", timeout=30_000)
    assert page.job is not None  # the summary is still running
    assert "hi there" in window.chat.view.toPlainText()
    page.stop()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)


def test_a_model_too_small_for_the_summary_is_said_with_a_way_to_a_larger_one(
    qtbot: QtBot,
) -> None:
    invented = "- The ocean turns purple every Tuesday.\n- Penguins run the treasury.\n"
    app = App(engine=FakeEngine(reply=invented))
    page, tasks = make_page(qtbot, app)
    try:
        page.set_text(long_text(3), "Minutes")
        page.summarize()
        qtbot.waitUntil(lambda: page.job is None, timeout=60_000)
        assert page.small.isVisible()
        assert "too small" in page.small.label.text()
        with qtbot.waitSignal(page.modelsRequested):
            page.small.button.click()
    finally:
        tasks.wait(30_000)
        app.close()
