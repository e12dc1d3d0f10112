"""Drafting and writing tasks from the command line, on the real starter model."""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_library import contract
from tests.unit.test_email import THREAD

pytestmark = pytest.mark.slow


def hushdesk(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hushdesk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_formal_reply_grounded_in_a_library_saved_as_eml(tmp_path: Path) -> None:
    ingest = hushdesk("ingest", "--library", "Orion", str(contract(tmp_path / "lease.pdf")))
    assert ingest.returncode == 0, ingest.stderr
    thread = tmp_path / "thread.txt"
    thread.write_text(THREAD)
    out = tmp_path / "reply.eml"
    made = hushdesk(
        "draft",
        "reply",
        "--thread",
        str(thread),
        "--tone",
        "formal",
        "--library",
        "Orion",
        "--out",
        str(out),
        "--seed",
        "1",
    )
    assert made.returncode == 0, made.stderr
    assert "[1] lease.pdf, page 3" in made.stderr  # the notice clause, shown to the user
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Re: Notice period for the Orion lease"
    assert message["In-Reply-To"] == "<abc123@example.com>"
    body = message.get_content()
    assert body.startswith("Dear Dana Whitfield,")
    assert len(body.split()) > 15
    listed = hushdesk("draft", "list")
    assert "Re: Notice period for the Orion lease" in listed.stdout


def test_a_new_email_from_points_and_a_template(tmp_path: Path) -> None:
    points = tmp_path / "points.txt"
    points.write_text("- the board meets on 4 December\n- please send the Q3 figures first\n")
    signature = hushdesk(
        "draft", "signature", "--name", "Sam Carter", "--text", "Sam Carter\\nCarter & Co"
    )
    assert signature.returncode == 0, signature.stderr
    made = hushdesk(
        "draft", "new", "--points", str(points), "--to", "Ann Lee", "--json", "--seed", "2"
    )
    assert made.returncode == 0, made.stderr
    draft = json.loads(made.stdout)
    assert draft["subject"]
    assert draft["body"].startswith("Dear Ann Lee,")
    assert draft["body"].endswith("Kind regards,\nSam Carter\nCarter & Co")
    missing = hushdesk("draft", "template", "legal-hearing-date", "--var", "client_name=Ann")
    assert missing.returncode == 1
    assert "Fill in Matter, Hearing date and time, Court" in missing.stderr


def test_classify_gives_one_of_the_labels_and_proofread_lists_changes() -> None:
    labels = "urgent,routine,spam"
    text = "URGENT: the court hearing moved to tomorrow morning, call me now!"
    chosen = hushdesk("classify", "--labels", labels, "--json", stdin=text)
    assert chosen.returncode == 0, chosen.stderr
    result = json.loads(chosen.stdout)
    assert result["label"] in labels.split(",")
    assert result["reason"]
    checked = hushdesk("proofread", "--json", stdin="Their is a error in teh contract.")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["text"]


def test_a_template_subject_with_a_line_break_stays_one_header_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text(
        '[[template]]\nid = "invoice"\nname = "Invoice"\n'
        'subject = """Invoice {number}\nBcc: someone@example.com"""\n'
        'body = "Please find invoice {number} attached."\n',
        encoding="utf-8",
    )
    imported = hushdesk("templates", "import", str(pack))
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "invoice.eml"
    made = hushdesk("draft", "template", "invoice", "--var", "number=7\r\nCc: x@example.com",
                    "--out", str(out))  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Traceback" not in made.stderr
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Invoice 7 Cc: x@example.com Bcc: someone@example.com"
    assert message["Bcc"] is None
    assert message["Cc"] is None
    shown = hushdesk("draft", "template", "invoice", "--var", "number=8")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Subject: Invoice 8 Bcc: someone@example.com\n\n")
