"""A model too small for the task is said, not passed off as done: an email that only
repeats the user's points, a rewrite given back as it was — marked on the result, in
the words the summary uses, by the service, the command line and its JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hushdesk.app import App
from hushdesk.assistant.email import Drafter, Request, Sender, only_repeats
from hushdesk.assistant.writing import Writer
from hushdesk.cli import build_parser
from hushdesk.cli import draft as draft_cli
from hushdesk.cli import writing as writing_cli
from hushdesk.services.notices import too_small
from tests.fakes import FakeEngine
from tests.unit.test_email import THREAD

POINTS = (
    "Thank you for the contract draft.\n"
    "We agree with the payment terms.\n"
    "Please send the final version by Friday."
)
OWN_WORDS = (
    "Thank you for sending the contract draft. We are happy with the payment terms it "
    "sets out. Could you send us the final version by Friday?"
)


@pytest.fixture
def app() -> Any:
    made = App(engine=FakeEngine())
    yield made
    made.close()


def drafted(reply: str, **request: Any) -> Any:
    drafter = Drafter(FakeEngine(reply=reply), sender=Sender(name="Sam Carter"))
    return drafter.draft(Request(**{"kind": "reply", "thread": THREAD, **request}))


def test_a_draft_that_only_repeats_the_points_says_so() -> None:
    echoed = drafted(f"Subject: Contract\n\n{POINTS}", points=POINTS)
    assert echoed.body.startswith("Dear Dana Whitfield,\n\nThank you for the contract draft.")
    assert echoed.model_struggled
    greeted = drafted(f"- {POINTS}\nI hope this finds you well.", points=POINTS)
    assert greeted.model_struggled  # a line of its own does not make it an email
    nothing = drafted("Subject: Contract\n\nBest regards,\n[Your Name]", points=POINTS)
    assert "[Write the email here.]" in nothing.body
    assert nothing.model_struggled
    written = drafted(f"Subject: Contract\n\n{OWN_WORDS}", points=POINTS)
    assert not written.model_struggled
    short = Drafter(FakeEngine(reply="Please find the figures attached.")).draft(
        Request(kind="new", points="- Q3 figures for the board\n- due Friday")
    )
    assert not short.model_struggled  # short, but in words of its own


def test_only_repeats_reads_sentences_not_single_words() -> None:
    assert only_repeats(POINTS, POINTS)
    assert only_repeats("The notice period is 90 days [1].", "The notice period is 90 days.")
    assert not only_repeats(OWN_WORDS, POINTS)
    assert not only_repeats("The notice period is 90 days.", THREAD)  # the answer, not the ask


def test_the_mark_is_kept_with_the_draft(app: App) -> None:
    engine = app.runtime.engine
    assert isinstance(engine, FakeEngine)
    engine.reply = f"Subject: Contract\n\n{POINTS}"
    made = app.drafts.draft(Request(kind="new", points=POINTS, recipient="Ann Lee"))
    assert made.model_struggled
    assert made.id is not None
    assert app.drafts.get(made.id).model_struggled  # saved with it: shown when reopened
    engine.reply = OWN_WORDS
    assert not app.drafts.draft(Request(kind="new", points=POINTS)).model_struggled


def test_the_command_line_warns_on_stderr_and_its_json_carries_the_mark(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = app.runtime.engine
    assert isinstance(engine, FakeEngine)
    engine.reply = f"Subject: Contract\n\n{POINTS}"
    points = tmp_path / "points.txt"
    points.write_text(POINTS)
    command = ["draft", "new", "--points", str(points), "--to", "Ann Lee"]
    assert draft_cli.draft(app, build_parser().parse_args(command)) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("Subject: ")
    warnings = [line for line in printed.err.splitlines() if line.startswith("Warning:")]
    assert warnings == [f"Warning: {too_small('email', 'hushdesk models search')}."]
    assert draft_cli.draft(app, build_parser().parse_args([*command, "--json"])) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["model_struggled"] is True
    engine.reply = OWN_WORDS
    assert draft_cli.draft(app, build_parser().parse_args(command)) == 0
    assert "Warning" not in capsys.readouterr().err


def test_a_rewrite_given_back_as_it_was_says_so() -> None:
    text = "The meeting is moved to Friday.\n\nBring the signed lease."
    given_back = Writer(FakeEngine(respond=lambda m: "")).rewrite(text, "shorter")
    assert given_back.text == text  # nothing written: the text is kept
    assert given_back.model_struggled
    copied = Writer(FakeEngine(reply="The meeting is moved to  Friday.")).rewrite(
        "The meeting is moved to Friday."
    )
    assert copied.model_struggled
    done = Writer(FakeEngine(reply="Meeting: Friday.")).rewrite("The meeting is moved to Friday.")
    assert done.text == "Meeting: Friday."
    assert not done.model_struggled
    translated = Writer(FakeEngine(respond=lambda m: "")).translate("Bonjour.", "English")
    assert translated.model_struggled


def test_the_writing_commands_warn_too(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = app.runtime.engine
    assert isinstance(engine, FakeEngine)
    engine.reply = "Bonjour tout le monde."
    source = tmp_path / "text.txt"
    source.write_text("Bonjour tout le monde.")
    command = ["translate", str(source), "--to", "English"]
    assert writing_cli.run(app, build_parser().parse_args(command)) == 0
    printed = capsys.readouterr()
    assert printed.out.strip() == "Bonjour tout le monde."
    assert printed.err.strip() == f"Warning: {too_small('translate', 'hushdesk models search')}."
    assert writing_cli.run(app, build_parser().parse_args([*command, "--json"])) == 0
    assert json.loads(capsys.readouterr().out) == {
        "text": "Bonjour tout le monde.",
        "model_struggled": True,
    }
