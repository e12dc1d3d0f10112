"""Email drafts: kinds, tones and lengths as data, grounded in the user's documents, with
the subject and the body kept apart; templates with variables; ``.eml`` and ``mailto:``.

The model writes only a subject and the body's paragraphs. The greeting and the closing
come from the tone, the signature from the settings, so every draft has them and they are
right even when a small model forgets them or invents a "[Your Name]". Facts taken from
a library are numbered and cited, and the draft lists anything it states — figures,
dates, amounts, placeholders — that appears in none of the material, so nothing is
invented silently.
"""

from __future__ import annotations

import datetime as dt
import email.message
import email.policy
import email.utils
import re
import string
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from hushdesk import assets
from hushdesk.assistant.generation import complete
from hushdesk.assistant.grounding import Citation, cited_numbers, fence, grounder_for, unfence
from hushdesk.assistant.grounding import prompts as answer_prompts
from hushdesk.engine.base import Engine
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.errors import HushdeskError
from hushdesk.jobs import CancelToken
from hushdesk.library.text import strip_special_tokens

if TYPE_CHECKING:
    from hushdesk.library.service import DocumentLibrary

MAILTO_LIMIT = 1800  # longer links are cut by some mail programs: export a .eml instead
_CITATION = re.compile(r"\s?\[(\d{1,2})\]")
_PLACEHOLDER = re.compile(r"\[([^\[\]\d][^\[\]\n]{0,50})\]")
_SUBJECT = re.compile(r"^[\W_]*subject[\W_]*:\s*(.*?)[\s*_]*$", re.IGNORECASE)
_LABEL = re.compile(r"^[\W_]*(?:body|email|message)[\W_]*:\s*", re.IGNORECASE)
_PREAMBLE = re.compile(
    r"^\W*(here('s| is)|below is|sure|certainly)\b[^.\n]{0,60}"
    r"\b(response|reply|email|draft|version)\b[^.\n]{0,30}:\s*$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^\W*(dear|hi|hello|hey|good (morning|afternoon|evening)|greetings)\b.{0,60}[,:!]?\s*$",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\W*((best|kind|warm|many)?\s*(regards|wishes)|sincerely|yours( (sincerely|truly|"
    r"faithfully))?|thanks( again)?|thank you|cheers|respectfully|with (kind )?regards|"
    r"best|all the best|looking forward.{0,40})\W*$",
    re.IGNORECASE,
)
_SOURCE_HEADING = re.compile(
    r"(?m)^[ \t]*\[\d{1,2}\][ \t]+[^\n]{1,120}\b(page|section)[ \t]+\d+[ \t]*$\n?"
)
_COMMON = frozenset(("the", "and", "for", "you", "your", "are", "with", "this", "that", "any",
                    "not", "can", "will", "has", "have", "its", "our", "was", "were", "from",
                    "they", "them", "their"))  # fmt: skip
_FIGURE = re.compile(r"[$€£¥]?\d[\d.,:/-]*\d%?|[$€£¥]?\d%?")
_WORD_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)


class DraftError(HushdeskError):
    """A draft or a template cannot be made as asked."""


# -- kinds, tones and lengths: prompts are data -------------------------------------------


@dataclass(frozen=True)
class Kind:
    id: str
    title: str
    description: str
    order: int
    needs: str  # points | thread | either
    task: str
    subject: str


@dataclass(frozen=True)
class Tone:
    id: str
    title: str
    instruction: str
    greeting: str
    greeting_unnamed: str
    closing: str

    def greet(self, name: str) -> str:
        name = name.strip()
        if not name:
            return self.greeting_unnamed
        return self.greeting.format(name=name, first_name=name.split()[0])


@dataclass(frozen=True)
class Length:
    id: str
    title: str
    sentences: str
    tokens: int


@cache
def _common() -> dict[str, Any]:
    return assets.read_toml("prompts", "email", "_common.toml")


@cache
def kinds() -> dict[str, Kind]:
    found = []
    for name, data in assets.toml_files("prompts", "email"):
        found.append(Kind(
            id=name, title=data["title"], description=data["description"],
            order=int(data.get("order", 99)), needs=data.get("needs", "either"),
            task=data["task"].strip(), subject=data.get("subject", "{topic}"),
        ))  # fmt: skip
    return {k.id: k for k in sorted(found, key=lambda k: k.order)}


@cache
def tones() -> dict[str, Tone]:
    return {
        key: Tone(id=key, **{k: str(v) for k, v in value.items()})
        for key, value in _common()["tone"].items()
    }


@cache
def lengths() -> dict[str, Length]:
    return {
        key: Length(id=key, title=v["title"], sentences=v["sentences"], tokens=int(v["tokens"]))
        for key, v in _common()["length"].items()
    }


# -- what the user asks for ---------------------------------------------------------------


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
            raise DraftError(f"Unknown kind of email {self.kind!r}; "
                             f"choose one of {', '.join(kinds())}.")  # fmt: skip
        if self.tone not in tones():
            raise DraftError(f"Unknown tone {self.tone!r}; choose one of {', '.join(tones())}.")
        if self.length not in lengths():
            raise DraftError(f"Unknown length {self.length!r}; "
                             f"choose one of {', '.join(lengths())}.")  # fmt: skip
        needs = kinds()[self.kind].needs
        points, thread = self.points.strip(), self.thread.strip()
        if needs == "points" and not points:
            raise DraftError("Write the points the email should make.")
        if needs == "thread" and not thread:
            raise DraftError("Paste the email to reply to.")
        if not points and not thread:
            raise DraftError("Write the points the email should make, or paste the email "
                             "it is about.")  # fmt: skip

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
    return Thread(text, subject=_bare_subject(found.get("subject", "")), sender=name,
                  address=address if "@" in address else "")  # fmt: skip


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
    return re.sub(r"^(\s*(re|fwd?|aw|wg|tr|sv|vs)\s*(\[\d+\])?\s*:\s*)+", "", subject,
                  flags=re.I).strip()  # fmt: skip


# -- drafts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    request: Request = field(default_factory=Request)
    citations: tuple[Citation, ...] = ()
    template: str = ""  # the template it was made from, if any
    in_reply_to: str = ""
    references: str = ""
    model: str = ""
    id: int | None = None  # once saved

    @property
    def cited(self) -> list[int]:
        return cited_numbers(self.body, [c.n for c in self.citations])

    def clean_body(self) -> str:
        """The body as sent: citation markers, which are for the user, taken out."""
        if not self.citations:
            return self.body
        return _CITATION.sub("", self.body)

    def text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.clean_body()}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["request"] = self.request.to_dict()
        data["citations"] = [c.to_dict() for c in self.citations]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Draft:
        values = dict(data)
        values["request"] = Request.from_dict(values.get("request") or {})
        values["citations"] = tuple(Citation(**c) for c in values.get("citations") or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


def review(draft: Draft) -> list[str]:
    """What the user should check before sending: placeholders left to fill, and
    figures or dates that appear in none of the material the draft was made from."""
    notes = []
    holes = sorted({m.group(0) for m in _PLACEHOLDER.finditer(draft.body)})
    if holes:
        notes.append("Fill in " + ", ".join(holes) + ".")
    if draft.template:
        return notes  # a template's figures are the user's own
    material = "\n".join([draft.request.points, draft.request.thread, draft.request.recipient,
                          *(f"{c.where} {c.passage}" for c in draft.citations)])  # fmt: skip
    known = {_norm(f) for f in _figures(material)} | _spelled_numbers(material)
    body = _CITATION.sub("", draft.body)
    unknown = [f for f in dict.fromkeys(_figures(body)) if _norm(f) not in known]
    if unknown:
        notes.append("Check " + ", ".join(f"“{f}”" for f in unknown[:8])
                     + ": not in the email, your points or your documents.")  # fmt: skip
    return notes


def _figures(text: str) -> list[str]:
    return [m.group(0) for m in _WORD_DATE.finditer(text)] + [
        m.group(0) for m in _FIGURE.finditer(_WORD_DATE.sub(" ", text))
    ]


_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")  # fmt: skip
_DECADES = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TENS = {word: 10 * n for n, word in enumerate(_DECADES, start=2)}
_SPELLED = re.compile(rf"\b({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS[1:10])}))?\b"
                      rf"|\b({'|'.join(_UNITS)})\b", re.IGNORECASE)  # fmt: skip


def _spelled_numbers(text: str) -> set[str]:
    """Numbers written in words (``ninety`` → ``90``), so a draft may use digits."""
    found = set()
    for match in _SPELLED.finditer(text):
        tens, unit, alone = (g.lower() if g else None for g in match.groups())
        if alone is not None:
            found.add(str(_UNITS.index(alone)))
        elif tens is not None:
            found.add(str(_TENS[tens] + (_UNITS.index(unit) if unit else 0)))
    return found


def _norm(figure: str) -> str:
    figure = figure.lower()
    figure = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", figure)
    return re.sub(r"[^\w%]", "", figure)


def split_output(text: str) -> tuple[str, str]:
    """The model's output as (subject, body paragraphs): labels, greetings, closings and
    signature lines it wrote anyway are taken out."""
    lines = unfence(strip_special_tokens(text).replace("\r\n", "\n")).splitlines()
    subject = ""
    for i, line in enumerate(lines[:4]):
        match = _SUBJECT.match(line)
        if match:
            subject = match.group(1).strip().strip("\"'“”*_ ")
            lines = lines[i + 1 :]
            break
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and _LABEL.match(lines[0]):
        lines[0] = _LABEL.sub("", lines[0])
    if lines and _GREETING.match(lines[0]):
        lines.pop(0)
    cut = len(lines)
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        line = lines[i].strip()
        if _CLOSING.match(line) or (line.startswith("[") and line.endswith("]")):
            cut = i
    body = "\n".join(line for line in lines[:cut] if not _PREAMBLE.match(line)).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return subject, body


def drop_echoes(body: str, instructions: str) -> str:
    """Sentences in which a small model repeats its instructions, taken out."""

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z]{3,}", text.lower())) - _COMMON

    told = [words(s) for s in re.split(r"(?<=[.!?:])\s+", instructions) if len(words(s)) >= 3]
    kept_lines = []
    for line in body.splitlines():
        sentences = re.split(r"(?<=[.!?])\s+", line)
        kept = [s for s in sentences if not any(2 * len(words(s) & t) >= max(len(words(s)), 3)
                                                for t in told)]  # fmt: skip
        if kept or not line.strip():
            kept_lines.append(" ".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept_lines)).strip()


def keep_real_citations(body: str, numbers: Sequence[int]) -> str:
    """Markers of sources that do not exist taken out, and the source headings
    (``[1] lease.pdf, page 3``) that a small model copies into the text."""
    body = _SOURCE_HEADING.sub("", body)
    valid = set(numbers)
    body = _CITATION.sub(lambda m: m.group(0) if int(m.group(1)) in valid else "", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip()


def compose(body: str, tone: Tone, recipient: str, signature: str) -> str:
    """Greeting, body, closing and signature, as the email will read."""
    text = f"{tone.greet(recipient)}\n\n{body.strip()}\n\n{tone.closing}"
    if signature.strip():
        text += "\n" + signature.strip()
    return text


@dataclass(frozen=True)
class Sender:
    name: str = ""
    address: str = ""
    signature: str = ""  # as it should appear under the closing; the name if empty

    @property
    def sign_off(self) -> str:
        return self.signature.strip() or self.name.strip()


class Drafter:
    """Writes one draft on the model ``engine`` is running."""

    def __init__(
        self,
        engine: Engine,
        *,
        documents: DocumentLibrary | None = None,
        sender: Sender | None = None,
        model: str = "",
    ) -> None:
        self.engine, self.documents = engine, documents
        self.sender = sender or Sender()
        self.model = model

    def draft(
        self,
        request: Request,
        *,
        seed: int = -1,
        cancel: CancelToken | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Draft:
        request.check()
        thread = parse_thread(request.thread) if request.thread.strip() else Thread("")
        if not request.recipient.strip() and (thread.sender or thread.address):
            sender = (email.utils.formataddr((thread.sender, thread.address)) if thread.address
                      else thread.sender)  # fmt: skip
            request = replace(request, recipient=sender)  # answer whoever wrote
        citations = self.facts(request, thread)
        params = SamplingParams(temperature=0.6, top_p=0.9, top_k=40, min_p=0.05,
                                repeat_penalty=1.15, max_tokens=lengths()[request.length].tokens,
                                seed=seed)  # fmt: skip
        messages = self.messages(request, thread, citations)
        result = complete(self.engine, messages, params, cancel=cancel, on_text=on_text)
        subject, body = split_output(result.text)
        instructions = messages[0].content + "\n" + messages[1].content.rsplit(">>>", 1)[-1]
        body = drop_echoes(body, instructions)  # the instructions, not the material
        body = keep_real_citations(body, [c.n for c in citations])
        kind = kinds()[request.kind]
        topic = thread.subject or _topic(request.points) or kind.title
        if kind.subject.startswith("Re:") and thread.subject:
            subject = kind.subject.format(topic=thread.subject)  # a reply keeps its thread
        subject = subject or kind.subject.format(topic=topic)
        body = compose(body or "[Write the email here.]", tones()[request.tone],
                       request.recipient_name, self.sender.sign_off)  # fmt: skip
        return Draft(
            subject=subject, body=body, request=request, citations=citations,
            in_reply_to=thread.message_id,
            references=f"{thread.references} {thread.message_id}".strip(), model=self.model,
        )  # fmt: skip

    def facts(self, request: Request, thread: Thread) -> tuple[Citation, ...]:
        """Passages from the chosen libraries that bear on the email."""
        if not request.libraries or self.documents is None:
            return ()
        query = f"{request.points}\n{thread.subject}\n{thread.text[:1500]}".strip()
        return grounder_for(self.documents, request.libraries)(query).citations

    def messages(
        self, request: Request, thread: Thread, citations: Sequence[Citation] = ()
    ) -> list[Message]:
        common, kind = _common(), kinds()[request.kind]
        material = []
        if request.thread.strip():
            material.append(common["thread"].strip().format(thread=fence(thread.text)))
        if request.points.strip():
            material.append(common["points"].strip().format(points=fence(request.points)))
        if citations:
            source = answer_prompts()["source"]
            sources = "\n\n".join(
                source.format(n=c.n, where=fence(c.where), text=fence(c.passage)) for c in citations
            )
            material.append(common["sources"].strip().format(sources=sources))
        recipient = ", ".join(p for p in (request.recipient_name, request.role) if p)
        to = f"to {recipient}" if recipient else ""
        language = (common["language"].format(language=request.language) if request.language
                    else common["same_language"])  # fmt: skip
        prompt = (
            common["request"]
            .format(
                material="\n\n".join(material),
                task=" ".join(kind.task.format(to=to).split()),
                tone=tones()[request.tone].instruction,
                sentences=lengths()[request.length].sentences,
                language=language,
            )
            .strip()
        )
        return [Message("system", " ".join(common["system"].split())), Message("user", prompt)]


def _topic(points: str) -> str:
    """A subject from the first point, when the model gave none."""
    first = next((line.strip(" -*•\t") for line in points.splitlines() if line.strip()), "")
    first = re.split(r"(?<=[.!?])\s", first)[0].rstrip(".!?")
    return first[:70].rsplit(" ", 1)[0] if len(first) > 70 else first


# -- templates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    kind: str = "new"
    tone: str = "formal"
    subject: str = ""
    body: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)  # name → label in the form
    pack: str = "mine"
    pack_name: str = "My templates"
    builtin: bool = False

    AUTOMATIC = ("date", "sender_name")  # filled in when left empty

    def fields(self) -> list[str]:
        """The variables: those the template lists first, in its order, then any others
        in the order they appear."""
        names: list[str] = []
        for text in (self.subject, self.body):
            try:
                parsed = list(string.Formatter().parse(text))
            except ValueError as exc:
                raise DraftError(f"The template “{self.name}” has a stray brace: {exc}. "
                                 "Write {{ and }} for literal braces.") from None  # fmt: skip
            for _, name, spec, conversion in parsed:
                if name is None:
                    continue
                if not name.isidentifier() or spec or conversion:
                    raise DraftError(f"The template “{self.name}” has a variable {{{name}}} "
                                     "that is not a plain name like {client_name}.")  # fmt: skip
                if name not in names:
                    names.append(name)
        listed = [name for name in self.variables if name in names]
        return listed + [name for name in names if name not in listed]

    def label(self, name: str) -> str:
        return self.variables.get(name) or name.replace("_", " ").capitalize()

    def check(self) -> None:
        if not self.id.strip() or not self.name.strip():
            raise DraftError("A template needs an id and a name.")
        if self.kind not in kinds():
            raise DraftError(f"The template “{self.name}” has an unknown kind {self.kind!r}.")
        if self.tone not in tones():
            raise DraftError(f"The template “{self.name}” has an unknown tone {self.tone!r}.")
        if not self.body.strip():
            raise DraftError(f"The template “{self.name}” has no body.")
        self.fields()

    def render(
        self, values: Mapping[str, str], *, sender: Sender | None = None,
        today: dt.date | None = None,
    ) -> Draft:  # fmt: skip
        """The draft with every variable filled in; a clear error names any left empty."""
        self.check()
        sender = sender or Sender()
        today = today or dt.date.today()
        filled = {"date": f"{today.day} {today:%B %Y}", "sender_name": sender.name.strip()}
        filled.update({k: str(v).strip() for k, v in values.items() if str(v).strip()})
        missing = [name for name in self.fields() if not filled.get(name)]
        if missing:
            raise DraftError(f"Fill in {', '.join(self.label(m) for m in missing)} to use "
                             f"the template “{self.name}”.")  # fmt: skip
        body = self.body.strip().format_map(filled)
        body = f"{body}\n\n{tones()[self.tone].closing}"
        if sender.sign_off:
            body += "\n" + sender.sign_off
        request = Request(kind=self.kind, tone=self.tone)
        return Draft(subject=self.subject.format_map(filled).strip(), body=body,
                     request=request, template=self.id)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("id", "name", "kind", "tone", "subject", "body")}
        data["variables"] = {name: self.label(name) for name in self.fields()
                             if name not in self.AUTOMATIC or name in self.variables}  # fmt: skip
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **extra: Any) -> Template:
        if not isinstance(data, Mapping):
            raise DraftError("A template must be a table of fields.")
        try:
            template = cls(
                id=str(data["id"]).strip(), name=str(data["name"]).strip(),
                kind=str(data.get("kind", "new")), tone=str(data.get("tone", "formal")),
                subject=str(data.get("subject", "")), body=str(data.get("body", "")),
                variables={str(k): str(v) for k, v in dict(data.get("variables") or {}).items()},
                **extra,
            )  # fmt: skip
        except KeyError as exc:
            raise DraftError(f"A template is missing its {exc.args[0]!r}.") from None
        template.check()
        return template


def read_pack(data: Mapping[str, Any], *, builtin: bool = False) -> list[Template]:
    """Templates from a pack's data (TOML or JSON, the same shape)."""
    pack = data.get("pack") or {}
    entries = data.get("template")
    if not isinstance(entries, list) or not entries:
        raise DraftError("No templates found: a pack lists them as [[template]] entries "
                         "(TOML) or a \"template\" list (JSON).")  # fmt: skip
    extra: dict[str, Any] = {"builtin": builtin}
    if pack.get("id"):
        extra |= {"pack": str(pack["id"]), "pack_name": str(pack.get("name", pack["id"]))}
    return [Template.from_dict(entry, **extra) for entry in entries]


@cache
def builtin_templates() -> tuple[Template, ...]:
    found: list[Template] = []
    for _name, data in assets.toml_files("templates"):
        found += read_pack(data, builtin=True)
    return tuple(found)


# -- sending -------------------------------------------------------------------------------


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
    query = urllib.parse.urlencode({"subject": draft.subject, "body": draft.clean_body()},
                                   quote_via=urllib.parse.quote)  # fmt: skip
    to = urllib.parse.quote(draft.request.recipient_address, safe="@")
    return f"mailto:{to}?{query}"
