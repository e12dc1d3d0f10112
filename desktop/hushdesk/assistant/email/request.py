"""What the user asks for, and the thread being answered (an .eml or pasted headers)."""

from __future__ import annotations

import email.message
import email.policy
import email.utils
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from hushdesk.assistant.email.kinds import DraftError, kinds, lengths, tones


@dataclass(frozen=True)
class Request:
    kind: str = "new"
    points: str = ""
    thread: str = ""  # the email (or thread) to answer, as pasted or read from a file
    tone: str = "formal"
    length: str = "medium"
    language: str | None = None  # None: the language of the thread or the points
    recipient: str = ""  # a name, or "Name <address>"
    role: str = ""  # e.g. "the client's finance director"
    libraries: tuple[str, ...] = ()

    def check(self) -> None:
        if self.kind not in kinds():
            raise DraftError(
                f"Unknown kind of email {self.kind!r}; choose one of {', '.join(kinds())}."
            )
        if self.tone not in tones():
            raise DraftError(f"Unknown tone {self.tone!r}; choose one of {', '.join(tones())}.")
        if self.length not in lengths():
            raise DraftError(
                f"Unknown length {self.length!r}; choose one of {', '.join(lengths())}."
            )
        needs = kinds()[self.kind].needs
        points, thread = self.points.strip(), self.thread.strip()
        if needs == "points" and not points:
            raise DraftError("Write the points the email should make.")
        if needs == "thread" and not thread:
            raise DraftError("Paste the email to reply to.")
        if not points and not thread:
            raise DraftError(
                "Write the points the email should make, or paste the email it is about."
            )

    @property
    def recipient_name(self) -> str:
        name, address = email.utils.parseaddr(self.recipient)
        if name or "@" in address:
            return name
        return self.recipient.strip()

    @property
    def recipient_address(self) -> str:
        _, address = email.utils.parseaddr(self.recipient)
        return address if "@" in address else ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "libraries": list(self.libraries)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["libraries"] = tuple(values.get("libraries", ()))
        return cls(**values)


@dataclass(frozen=True)
class Thread:
    """The email being answered: what the model reads, and the headers a reply needs."""

    text: str
    subject: str = ""
    sender: str = ""  # display name of whoever wrote the latest message
    address: str = ""
    message_id: str = ""
    references: str = ""


_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,40}:\s")
_PASTED = {
    "subject": re.compile(
        r"^\W*(subject|betreff|objet|asunto|oggetto|onderwerp)\s*:\s*(.+)$", re.I
    ),
    "from": re.compile(r"^\W*(from|von|de|da|van)\s*:\s*(.+)$", re.I),
}


def parse_thread(raw: str | bytes) -> Thread:
    """An email as saved (``.eml``) or as pasted from a mail program."""
    if isinstance(raw, bytes):
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return _from_message(message)
    text = raw.replace("\r\n", "\n").strip()
    first = text.split("\n\n", 1)[0].splitlines()
    if (
        first
        and all(_HEADER.match(line) or line[:1] in " \t" for line in first)
        and any(line.lower().startswith(("from:", "subject:")) for line in first)
    ):
        message = email.message_from_string(text, policy=email.policy.default)
        return _from_message(message)
    found: dict[str, str] = {}
    for line in text.splitlines()[:60]:
        for key, pattern in _PASTED.items():
            match = pattern.match(line)
            if match and key not in found:
                found[key] = match.group(2).strip()
    name, address = email.utils.parseaddr(found.get("from", ""))
    if not name and "@" not in address:
        name, address = found.get("from", ""), ""
    return Thread(
        text,
        subject=_bare_subject(found.get("subject", "")),
        sender=name,
        address=address if "@" in address else "",
    )


def _from_message(message: email.message.EmailMessage) -> Thread:
    part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        body = str(part.get_content())
        if part.get_content_type() == "text/html":
            body = re.sub(r"<[^>]+>", " ", body)
    name, address = email.utils.parseaddr(str(message.get("From", "")))
    shown = "\n".join(f"{h}: {message[h]}" for h in ("From", "Date", "Subject") if message[h])
    return Thread(
        text=f"{shown}\n\n{body.strip()}".strip(),
        subject=_bare_subject(str(message.get("Subject", ""))),
        sender=name,
        address=address,
        message_id=str(message.get("Message-ID", "")).strip(),
        references=str(message.get("References", "")).strip(),
    )


def _bare_subject(subject: str) -> str:
    """``Re: Fwd: Lease`` → ``Lease``."""
    return re.sub(
        r"^(\s*(re|fwd?|aw|wg|tr|sv|vs)\s*(\[\d+\])?\s*:\s*)+", "", subject, flags=re.I
    ).strip()


# -- drafts --------------------------------------------------------------------------------
