"""A draft, what the model wrote turned into one (subject apart, echoes and stray
markers out, greeting and closing from the tone), and its review."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from hushdesk.assistant.citations import Citation, read_all
from hushdesk.assistant.grounding import cited_numbers, unfence
from hushdesk.library.text import strip_special_tokens

if TYPE_CHECKING:
    pass

from hushdesk.assistant.email.kinds import Tone
from hushdesk.assistant.email.request import Request

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
_COMMON = frozenset(
    (
        "the",
        "and",
        "for",
        "you",
        "your",
        "are",
        "with",
        "this",
        "that",
        "any",
        "not",
        "can",
        "will",
        "has",
        "have",
        "its",
        "our",
        "was",
        "were",
        "from",
        "they",
        "them",
        "their",
    )
)
_FIGURE = re.compile(r"[$€£¥]?\d[\d.,:/-]*\d%?|[$€£¥]?\d%?")
_WORD_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)


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
    model_struggled: bool = False  # what the model wrote only repeats the material
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
        values["citations"] = read_all(values.get("citations"))
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
    unknown = unknown_figures(draft)
    if unknown:
        notes.append(
            "Check "
            + ", ".join(f"“{f}”" for f in unknown[:8])
            + ": not in the email, your points or your documents."
        )
    return notes


def unknown_figures(draft: Draft) -> list[str]:
    """Figures and dates in the draft that none of its material holds (likely invented)."""
    material = "\n".join(
        [
            draft.request.points,
            draft.request.thread,
            draft.request.recipient,
            *(f"{c.where} {c.passage}" for c in draft.citations),
        ]
    )
    known = {_norm(f) for f in _figures(material)} | _spelled_numbers(material)
    body = _CITATION.sub("", draft.body)
    return [f for f in dict.fromkeys(_figures(body)) if _norm(f) not in known]


def _figures(text: str) -> list[str]:
    return [m.group(0) for m in _WORD_DATE.finditer(text)] + [
        m.group(0) for m in _FIGURE.finditer(_WORD_DATE.sub(" ", text))
    ]


_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_DECADES = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TENS = {word: 10 * n for n, word in enumerate(_DECADES, start=2)}
_SPELLED = re.compile(
    rf"\b({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS[1:10])}))?\b"
    rf"|\b({'|'.join(_UNITS)})\b",
    re.IGNORECASE,
)


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
        kept = [
            s
            for s in sentences
            if not any(2 * len(words(s) & t) >= max(len(words(s)), 3) for t in told)
        ]
        if kept or not line.strip():
            kept_lines.append(" ".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept_lines)).strip()


def only_repeats(body: str, material: str) -> bool:
    """Whether the model's body only repeats its material (the user's points, the email
    answered), as a model too small for emails does: nearly every sentence is words of
    the material (4 in 5 of its words), and what is left of its own is under 8 words or
    a fifth of the body. The draft is then the points under a greeting and must say so;
    a short draft in words of its own is no such thing."""
    known = set(_words(material))
    own = copied = 0
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", body):
        words = _words(sentence)
        if 5 * sum(w in known for w in words) >= 4 * len(words):
            copied += len(words)
        else:
            own += len(words)
    return copied > 0 and (own < 8 or 5 * own < own + copied)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", _CITATION.sub(" ", text).casefold())


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
