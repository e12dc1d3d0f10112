"""Sending: the draft as an .eml file for a mail program, or a mailto: link."""

from __future__ import annotations

import datetime as dt
import email.message
import email.policy
import email.utils
import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from hushdesk.assistant.email.draft import Draft, Sender

MAILTO_LIMIT = 1800  # longer links are cut by some mail programs: export a .eml instead


def to_eml(draft: Draft, sender: Sender | None = None, *, now: dt.datetime | None = None) -> bytes:
    """The draft as an RFC 5322 message (UTF-8, CRLF), marked unsent so that mail
    programs open it as a draft to send."""
    sender = sender or Sender()
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = draft.subject
    if sender.address or sender.name:
        message["From"] = email.utils.formataddr((sender.name, sender.address))
    to = draft.request.recipient_address
    if to:
        message["To"] = email.utils.formataddr((draft.request.recipient_name, to))
    message["Date"] = email.utils.format_datetime(now or dt.datetime.now().astimezone())
    # The domain is given: by default Python would look up this computer's name.
    message["Message-ID"] = email.utils.make_msgid(domain="hushdesk.invalid")
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
        message["References"] = draft.references or draft.in_reply_to
    message["X-Unsent"] = "1"
    message["X-Mailer"] = "Hushdesk"
    message.set_content(draft.clean_body() + "\n", charset="utf-8")
    return message.as_bytes()


def mailto(draft: Draft) -> str:
    """A ``mailto:`` link that opens the draft in the default mail program."""
    query = urllib.parse.urlencode(
        {"subject": draft.subject, "body": draft.clean_body()}, quote_via=urllib.parse.quote
    )
    to = urllib.parse.quote(draft.request.recipient_address, safe="@")
    return f"mailto:{to}?{query}"


def to_docx(draft: Draft) -> bytes:
    """The draft as Word: its subject, its body, and the facts it cites from documents as
    footnotes naming file and page."""
    import io

    import docx

    from hushdesk.assistant.word import Footnotes, add_cited, xml_safe

    document = docx.Document()
    notes = Footnotes(document)
    document.core_properties.title = xml_safe(draft.subject)
    document.add_heading(xml_safe(draft.subject), level=1)
    add_cited(document, notes, draft.body, {c.n: c.where for c in draft.citations})
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
