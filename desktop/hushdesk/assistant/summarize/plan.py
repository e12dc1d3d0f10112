"""A document's outline (its numbered and titled headings), and cutting a long
document into sections that fit the model, at page breaks and preferably before one of
its main headings."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from hushdesk.assistant.summarize.results import Page

_HEADING_LINE = re.compile(
    r"^(?:#{1,6}\s+.+|(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+\S.{0,70}"
    r"|(?:chapter|article|section|part|schedule|annex|appendix|exhibit)\s+[\w.]+.{0,60}"
    r"|[A-Z][A-Z0-9 ,&'’-]{3,70})$",
    re.IGNORECASE,
)


_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_NAMED = re.compile(
    r"^(?:#{1,6}\s+\S.*|(?:chapter|article|part|schedule|annex|appendix|exhibit)\s+[\w.]+.{0,60})$",
    re.IGNORECASE,
)
_CAPS = re.compile(r"^[A-Z][A-Z0-9 ,&'’()/-]{3,70}$")
MAX_HEADING_WORDS = 10
_RUNS_ON_WORDS = "a an the of to and or in on for with by from that which as at"
_RUNS_ON = frozenset(_RUNS_ON_WORDS.split())
OUTLINE_ITEMS = 24  # main headings named in a prompt, at most


# -- the outline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str  # "5. Submission of Contributions"
    page: int
    level: int  # 1 for "5." or "ARTICLE V", 2 for "5.1." …
    number: tuple[int, ...] = ()
    top: bool = False  # in the upper half of its page: a part that opens there


def _numbered(line: str) -> Heading | None:
    """A numbered heading line: "2.1. General rules", "3. Grant of Patent License. Subject
    to the terms…" (a heading run into its first sentence), not a numbered list item
    ("1. Nothing in this constitution imposes an obligation on anyone to do")."""
    match = _NUMBERED.match(line)
    if match is None:
        return None
    number, rest = match.groups()
    title, stop, _ = rest.partition(". ")
    title = title.strip().rstrip(".:").strip()
    words = title.split()
    if not words or len(words) > MAX_HEADING_WORDS or title[-1] in ",;":
        return None
    if words[-1].lower() in _RUNS_ON:  # a wrapped line of a numbered paragraph
        return None
    if stop:  # run in: only a title-cased heading ("Grant of Patent License")
        if not all(w[0].isupper() or len(w) <= 3 for w in words):
            return None
    elif len(rest) > len(title) + 1:  # more than the title and its full stop
        return None
    numbers = tuple(int(n) for n in number.split("."))
    return Heading(f"{number}. {title}", 0, len(numbers), numbers)


def outline(pages: Sequence[Page]) -> list[Heading]:
    """The headings of a document, in order. Numbered ones must keep their sequence (a
    heading "4." follows "3.", and no "3.2." follows it), so the numbered items of a
    list inside a section are left out. Named headings ("ARTICLE 5", "# Terms") count;
    capitalised lines only when nothing is numbered."""
    numbered: list[Heading] = []
    named: list[Heading] = []
    capitals: list[Heading] = []
    for page in pages:
        lines = page.text.splitlines()
        for index, raw in enumerate(lines):
            line = raw.strip()
            if not line or len(line) > 100:
                continue
            top = index < len(lines) / 2
            found = _numbered(line)
            if found is not None:
                numbered.append(replace(found, page=page.number, top=top))
            elif _NAMED.match(line):
                named.append(Heading(line.lstrip("#").strip(), page.number, 1, top=top))
            elif _CAPS.match(line) and len(line.split()) <= MAX_HEADING_WORDS:
                capitals.append(Heading(line, page.number, 1, top=top))
    kept = _in_sequence(numbered)
    return sorted(kept + named, key=lambda h: h.page) if kept or named else capitals


def _in_sequence(candidates: list[Heading]) -> list[Heading]:
    dotted = any(h.level > 1 for h in candidates)
    out: list[Heading] = []
    last: tuple[int, ...] = ()
    for i, h in enumerate(candidates):
        if h.level == 1:
            expected = h.number[0] in (0, 1) if not last else h.number[0] == last[0] + 1
            if dotted:  # "4." is no heading if "3.2." comes after it
                following = next((c for c in candidates[i + 1 :] if c.level > 1), None)
                expected = expected and (following is None or following.number[0] >= h.number[0])
            if expected:
                out.append(h)
                last = h.number
            elif out and out[-1].number == h.number:  # the nearer one to what follows
                out[-1] = h
        elif last and h.number[0] == last[0]:
            out.append(h)
            last = h.number
    return out


def main_headings(headings: Sequence[Heading]) -> list[Heading]:
    """The top level of an outline."""
    top = min((h.level for h in headings), default=1)
    return [h for h in headings if h.level == top]


# -- planning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    pages: tuple[Page, ...]
    tokens: int
    heading: str

    @property
    def first(self) -> int:
        return self.pages[0].number

    @property
    def last(self) -> int:
        return self.pages[-1].number

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


def heading_of(text: str) -> str:
    """The heading a page opens with, if its first line looks like one."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if len(line) <= 80 and not line.endswith((".", ",", ";")) and _HEADING_LINE.match(line):
            return line.lstrip("#").strip()
        return ""
    return ""


def plan(
    pages: Sequence[Page], sizes: Sequence[int], budget: int, opens: Iterable[int] = ()
) -> list[Section]:
    """Pack pages into sections of at most ``budget`` tokens, breaking at page
    boundaries (once a section is half full, before a page that opens one of the main
    parts, by ``opens`` or by its first line); a page bigger than the budget is split at
    paragraphs, its pieces keeping its number."""
    opens = set(opens)
    pieces: list[tuple[Page, int]] = []
    for page, size in zip(pages, sizes, strict=True):
        if size <= budget:
            pieces.append((page, size))
        else:
            pieces.extend(_split_page(page, size, budget))
    sections: list[Section] = []
    current: list[Page] = []
    used = 0

    def close() -> None:
        nonlocal current, used
        if current:
            sections.append(Section(tuple(current), used, heading_of(current[0].text)))
        current, used = [], 0

    for page, size in pieces:
        part = page.number in opens or heading_of(page.text)
        if current and (used + size > budget or (used >= budget // 2 and part)):
            close()
        current.append(page)
        used += size
    close()
    return sections


def _split_page(page: Page, size: int, budget: int) -> list[tuple[Page, int]]:
    per_char = size / max(1, len(page.text))
    limit = max(200, int(budget / per_char * 0.9))  # characters per piece
    blocks = re.split(r"(?<=\n)\s*\n", page.text)
    out, current = [], ""
    for block in blocks:
        rest = block
        while len(rest) > limit:
            cut = rest.rfind(". ", 0, limit)
            cut = cut + 1 if cut > limit // 2 else limit
            if current:
                out.append(current)
                current = ""
            out.append(rest[:cut])
            rest = rest[cut:].lstrip()
        if current and len(current) + len(rest) > limit:
            out.append(current)
            current = ""
        current = f"{current}\n{rest}" if current else rest
    if current.strip():
        out.append(current)
    return [(Page(page.number, text, page.label), math.ceil(len(text) * per_char)) for text in out]
