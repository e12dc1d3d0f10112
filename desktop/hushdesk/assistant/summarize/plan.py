"""Cutting a long document into sections that fit the model, at page breaks and
preferably before a heading."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hushdesk.assistant.summarize.results import Page

_HEADING_LINE = re.compile(
    r"^(?:#{1,6}\s+.+|(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+\S.{0,70}"
    r"|(?:chapter|article|section|part|schedule|annex|appendix|exhibit)\s+[\w.]+.{0,60}"
    r"|[A-Z][A-Z0-9 ,&'’-]{3,70})$",
    re.IGNORECASE,
)


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


def plan(pages: Sequence[Page], sizes: Sequence[int], budget: int) -> list[Section]:
    """Pack pages into sections of at most ``budget`` tokens, breaking at page
    boundaries (before a heading once a section is half full); a page bigger than the
    budget is split at paragraphs, its pieces keeping its number."""
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
        if current and (used + size > budget or (used >= budget // 2 and heading_of(page.text))):
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
    return [(Page(page.number, text), math.ceil(len(text) * per_char)) for text in out]
