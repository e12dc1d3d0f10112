"""The Email page: drafting with progress and stop, editing kept in history, facts shown,
.eml export, mail links, templates, signature; the Writing tools; and the real model."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.engine.types import ChatResult
from hushdesk.services.notices import too_small
from hushdesk.ui.email_page import EmailPage, VariablesDialog
from hushdesk.ui.pages import index_of
from hushdesk.ui.tasks import Tasks
from tests.fakes import FakeEngine
from tests.integration.test_library import contract
from tests.ui.conftest import MakeWindow
from tests.unit.test_email import THREAD

REPLY = "Subject: ignored\n\nThe notice period is 90 days. We will send the form today."


class SlowEngine(FakeEngine):
    """Writes a word every 10 ms, so that a stop lands mid-answer."""

    def _words(self, text: str, result: ChatResult) -> Iterator[str]:
        for word in super()._words(text, result):
            time.sleep(0.01)
            yield word


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[EmailPage]:
    app = App(engine=SlowEngine(REPLY + " More words." * 40))
    tasks = Tasks()
    page = EmailPage(app, tasks)
    qtbot.addWidget(page)
    page.show()
    yield page
    page.stop()
    page.writing.stop()
    tasks.wait(30_000)
    app.close()


def test_draft_a_reply_edit_it_export_eml_and_open_a_mail_link(
    qtbot: QtBot, page: EmailPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.set_signature("Sam Carter", "sam@firm.example", "Sam Carter\nCarter & Co")
    page.kind.setCurrentIndex(page.kind.findData("reply"))
    page.thread_text.setPlainText(THREAD)
    page.draft_email()
    assert page.job_bar.isVisible()
    assert page.body.isReadOnly()  # no edits while the model writes
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    assert page.subject.text() == "Re: Notice period for the Orion lease"
    body = page.body.toPlainText()
    assert body.startswith("Dear Dana Whitfield,\n\nThe notice period is 90 days.")
    assert body.endswith("Kind regards,\nSam Carter\nCarter & Co")
    qtbot.waitUntil(lambda: page.saved.count() == 1, timeout=30_000)  # a worker saves it

    page.body.setPlainText(body.replace("today", "on Monday 3 March"))  # an edit, kept
    qtbot.waitUntil(lambda: "3 March" in page.drafts.all()[0][0].body, timeout=5_000)
    assert "Check “3 March”" in page.notes.text()  # not in the email nor the points

    path = tmp_path / "reply.eml"
    page.export_to(path)
    qtbot.waitUntil(path.exists, timeout=10_000)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Re: Notice period for the Orion lease"
    assert message["To"].addresses[0].addr_spec == "dana@example.com"
    assert message["In-Reply-To"] == "<abc123@example.com>"
    assert "on Monday 3 March" in message.get_content()
    pdf = tmp_path / "reply.pdf"
    page.export_to(pdf)  # for the file: the draft laid out on paper
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "reply.pdf" in page.status.text()

    opened: list[QUrl] = []
    monkeypatch.setattr(page, "open_url", opened.append)
    page.open_in_mail()
    assert opened[0].scheme() == "mailto"
    assert "dana@example.com" in opened[0].toString()


def test_stop_keeps_nothing_and_regenerate_adds_a_draft(qtbot: QtBot, page: EmailPage) -> None:
    page.points.setPlainText("Ask for the signed lease by Friday")
    page.draft_email()
    qtbot.waitUntil(lambda: page.body.toPlainText() != "", timeout=10_000)
    page.stop()
    qtbot.waitUntil(lambda: page.job is None, timeout=10_000)
    assert "Stopped" in page.status.text()
    assert page.drafts.all() == []
    page.draft_email()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    page.regenerate_shown()
    qtbot.waitUntil(lambda: page.job is None and page.saved.count() == 2, timeout=30_000)


def test_a_request_missing_its_email_says_so(page: EmailPage) -> None:
    page.kind.setCurrentIndex(page.kind.findData("reply"))
    page.draft_email()
    assert page.job is None
    assert "Paste the email" in page.status.text()


def test_templates_fill_variables_and_name_what_is_missing(qtbot: QtBot, page: EmailPage) -> None:
    assert not page.use_template("legal-settlement-offer", {"client_name": "Ann Lee"})
    assert "Fill in Matter, Amount offered" in page.status.text()
    values = {
        "client_name": "Ann Lee",
        "matter": "Lee v Orion",
        "amount": "€40,000",
        "deadline": "5 December 2026",
    }
    assert page.use_template("legal-settlement-offer", values)
    assert page.subject.text() == "Settlement offer in Lee v Orion"
    assert "settle Lee v Orion for €40,000" in page.body.toPlainText()
    qtbot.waitUntil(lambda: page.saved.count() == 1, timeout=30_000)  # a worker saves it
    template = page.drafts.templates.get("legal-settlement-offer")
    dialog = VariablesDialog(template, page)
    qtbot.addWidget(dialog)
    assert list(dialog.fields) == ["client_name", "matter", "amount", "deadline"]


def test_writing_tools_classify_and_proofread(qtbot: QtBot, page: EmailPage) -> None:
    writing = page.writing
    writing.task.setCurrentIndex(writing.task.findData("classify"))
    assert not writing.labels.isHidden()
    page.app.runtime.engine.reply = "Hmm. This looks like spam to me, honestly."  # type: ignore[attr-defined]
    writing.source.setPlainText("Cheap pills, click now!")
    writing.run()
    qtbot.waitUntil(lambda: writing.job is None, timeout=30_000)
    assert writing.status.text() == "Label: spam"
    writing.task.setCurrentIndex(writing.task.findData("proofread"))
    page.app.runtime.engine.reply = "There is an error."  # type: ignore[attr-defined]
    writing.source.setPlainText("Their is a error.")
    writing.run()
    qtbot.waitUntil(lambda: writing.job is None, timeout=30_000)
    assert writing.result.toPlainText() == "There is an error."
    assert writing.changes.count() == 2


def test_a_draft_that_only_repeats_the_points_says_so_with_a_way_to_a_larger_model(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    points = "Thank you for the contract draft.\nWe agree with the payment terms."
    window = make_window(FakeEngine(reply=f"Subject: Contract\n\n{points}"))
    window.go("email")
    page = window.page("email")
    assert page.small.isHidden()
    page.points.setPlainText(points)
    page.draft_email()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    assert page.draft is not None
    assert page.draft.model_struggled
    assert not page.small.isHidden()
    assert page.small.label.textFormat() == Qt.TextFormat.PlainText
    assert page.small.label.text() == f"⚠ {too_small('email')}."
    assert "too small for emails" in page.small.label.text()
    page.small.button.click()
    assert window.pages.currentIndex() == index_of("models")  # the recommendation is there
    engine = window.app.runtime.engine
    assert isinstance(engine, FakeEngine)
    engine.reply = "Thanks: the terms suit us well, and we look forward to the final copy."
    window.go("email")
    page.draft_email()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    assert page.small.isHidden()  # a draft in the model's own words
    qtbot.waitUntil(lambda: page.saved.count() == 2, timeout=30_000)
    page.saved.setCurrentRow(1)  # the first draft, reopened: said again
    assert not page.small.isHidden()

    writing = page.writing
    writing.task.setCurrentIndex(writing.task.findData("rewrite:shorter"))
    engine.reply = "The meeting is moved to Friday."
    writing.source.setPlainText("The meeting is moved to Friday.")
    writing.run()
    qtbot.waitUntil(lambda: writing.job is None, timeout=30_000)
    assert writing.result.toPlainText() == "The meeting is moved to Friday."
    assert writing.small.label.text() == f"⚠ {too_small('rewrite')}."
    assert not writing.small.isHidden()
    window.go("email")
    writing.small.button.click()
    assert window.pages.currentIndex() == index_of("models")
    engine.reply = "Meeting: Friday."
    writing.run()
    qtbot.waitUntil(lambda: writing.job is None, timeout=30_000)
    assert writing.small.isHidden()


@pytest.mark.slow
def test_a_formal_reply_grounded_in_a_library_on_the_real_model(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window(app=App())
    library = window.app.library
    library.ingest(library.library("Orion lease"), [contract(tmp_path / "lease.pdf")])
    window.go("email")
    assert window.built("email")
    page = window.page("email")
    qtbot.waitUntil(lambda: page.library.findData("Orion lease") >= 0, timeout=10_000)
    page.library.setCurrentIndex(page.library.findData("Orion lease"))
    page.kind.setCurrentIndex(page.kind.findData("reply"))
    page.thread_text.setPlainText(THREAD)
    page.draft_email()
    qtbot.waitUntil(lambda: page.job is None, timeout=240_000)
    assert page.status.text() == ""
    assert page.subject.text() == "Re: Notice period for the Orion lease"
    body = page.body.toPlainText()
    assert body.startswith("Dear Dana Whitfield,")
    assert len(body.split()) > 15
    assert page.draft is not None
    assert page.draft.citations[0].page == 3  # the notice clause, shown to the user
    assert page.facts.count() >= 1
