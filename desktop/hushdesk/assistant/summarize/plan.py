"""A document's outline (its numbered and titled headings), and cutting a long
document into sections that fit the model, at page breaks and preferably before one of
its main headings."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from hushdesk.assistant.summarize.results import Page, Statement

_HEADING_LINE = re.compile(
    r"^(?:#{1,6}\s+.+|(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+\S.{0,70}"
    r"|(?:chapter|article|section|part|schedule|annex|appendix|exhibit)\s+[\w.]+.{0,60}"
    r"|[A-Z][A-Z0-9 ,&'’-]{3,70})$",
    re.IGNORECASE,
)


_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_NAMED = re.compile(  # "ARTICLE V", "Appendix A GNU Free Documentation License", "Part 2"
    r"^(?i:chapter|article|part|schedule|annex|appendix|exhibit)\s+"
    r"(?:\d+[\w.]*|[IVXLC]+\b\.?|[A-Z]\b\.?)(?:\W.{0,60})?$"
)
_MARKED = re.compile(r"^#{1,6}\s+\S.*$")  # Markdown's, or a comment in a sample script
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
    list inside a section are left out, and so are the sections of a text numbered anew
    inside the document (an appended licence's "0. PREAMBLE" … "11. RELICENSING") and
    the entries of a table of contents (the heading comes again further on). Named
    headings ("ARTICLE 5") count, Markdown's ("# Terms") unless numbered chapters open
    on three pages or more (then they are a sample script's comments), capitalised
    lines only when nothing is numbered or named."""
    numbered: list[Heading] = []
    named: list[Heading] = []
    marked: list[Heading] = []
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
                named.append(Heading(line, page.number, 1, top=top))
            elif _MARKED.match(line):
                marked.append(Heading(line.lstrip("#").strip(), page.number, 1, top=top))
            elif _CAPS.match(line) and len(line.split()) <= MAX_HEADING_WORDS:
                capitals.append(Heading(line, page.number, 1, top=top))
    kept = _in_sequence(_past_contents(numbered))
    named = _past_contents(named)
    if len({h.page for h in main_headings(kept)}) < 3:  # no numbered outline of chapters:
        named += marked  # "# Title" lines are a Markdown text's (else sample scripts')
    return sorted(kept + named, key=lambda h: h.page) if kept or named else capitals


def _past_contents(headings: list[Heading]) -> list[Heading]:
    """Without the entries of a table of contents: a heading whose words come again
    on a later page is that page's."""
    later: dict[str, int] = {}
    for h in headings:
        later[h.text.casefold()] = h.page
    return [h for h in headings if later[h.text.casefold()] == h.page]


def _in_sequence(candidates: list[Heading]) -> list[Heading]:
    dotted = any(h.level > 1 for h in candidates)
    out: list[Heading] = []
    last: tuple[int, ...] = ()
    inner: Heading | None = None  # the last of a numbering begun anew inside the document
    for i, h in enumerate(candidates):
        if h.level > 1:
            if last and h.number[0] == last[0]:
                out.append(h)
                last = h.number
            continue
        following = next((c for c in candidates[i + 1 :] if c.level > 1), None)
        opens = following is not None and following.number[0] == h.number[0]  # "3." ... "3.1."
        if last and last[0] >= 2 and h.number[0] in (0, 1):
            inner = h  # "0. PREAMBLE" of an appended licence, or a titled list
            continue
        if inner is not None and h.number[0] == inner.number[0] + 1:
            main = next(m for m in reversed(out) if m.level == 1)
            # the list's next item when on its page, or written like it: "7. AGGREGATION"
            # after "6. COLLECTIONS" is the licence's, not "6. Using tapes"'s
            theirs = not opens and (
                h.page == inner.page or _capitals(h) == _capitals(inner) != _capitals(main)
            )
            inner = h
            if theirs:
                continue
        if out and out[-1].number == h.number:
            out[-1] = h  # the nearer one to what follows
            continue
        expected = h.number[0] in (0, 1) if not last else h.number[0] == last[0] + 1
        if dotted:  # "4." is no heading if "3.2." comes after it
            expected = expected and (following is None or following.number[0] >= h.number[0])
        if expected:
            out.append(h)
            last = h.number
    return out


def _capitals(heading: Heading) -> bool:
    return heading.text.partition(" ")[2].isupper()


def main_headings(headings: Sequence[Heading]) -> list[Heading]:
    """The top level of an outline."""
    top = min((h.level for h in headings), default=1)
    return [h for h in headings if h.level == top]


_BACK_MATTER = re.compile(  # the title of an index, a bibliography, the document's licence
    r"^(?:\d+\.|appendix\s+\w\.?)?\s*(?:(?:\w+\s+)?index(?:es)?|bibliography|references"
    r"|further reading|copying(?:\s+(?:conditions|this manual))?"
    r"|.*\b(?:documentation|public|free|software)\s+licen[cs]e)$",
    re.IGNORECASE,
)


def back_matter(headings: Sequence[Heading], pages: Sequence[Page]) -> Heading | None:
    """The main heading where a document's back matter begins — its index, bibliography
    or licence ("7. Copying", "Appendix A GNU Free Documentation License") — when it and
    every main heading after it are such, and at least a third of the document comes
    before it (a licence can be half of a short manual)."""
    if not pages:
        return None
    third = pages[0].number + (pages[-1].number - pages[0].number) / 3
    found = None
    for h in reversed(main_headings(headings)):
        if not _BACK_MATTER.match(h.text):
            break
        found = h
    return found if found is not None and found.page > third else None


@dataclass(frozen=True)
class Body:
    pages: tuple[Page, ...]
    headings: list[Heading]
    left_out: tuple[int, int, str] | None = None  # first and last page, the heading

    def note(self, where: Callable[[int, int], str]) -> str:
        """ "pp. 33–50 (7. Copying) left out as back matter", or nothing."""
        if self.left_out is None:
            return ""
        first, last, title = self.left_out
        return f"{where(first, last)} ({title}) left out as back matter"


def without_back_matter(pages: tuple[Page, ...], headings: list[Heading]) -> Body:
    """The document without its back matter (``back_matter``); of the page where it
    begins, the text above its heading (the GFDL's "Version 1.3, 3 November 2008" was a
    key point of a standard whose last chapter shares a page with it)."""
    start = back_matter(headings, pages)
    if start is None:
        return Body(pages, headings)
    body = tuple(_above(p, start) for p in pages if p.number <= start.page)
    body = tuple(p for p in body if p.text.strip())
    if not body or body == pages:
        return Body(pages, headings)
    kept = headings[: headings.index(start)]
    return Body(body, kept, (start.page, pages[-1].number, start.text))


def _above(page: Page, heading: Heading) -> Page:
    """``page`` up to ``heading``'s line when it is the page where the heading stands."""
    if page.number != heading.page:
        return page
    lines = page.text.splitlines()
    for index, raw in enumerate(lines):
        line = raw.strip()
        numbered = _numbered(line)
        if line == heading.text or (numbered is not None and numbered.text == heading.text):
            return replace(page, text="\n".join(lines[:index]).rstrip())
    return page


# -- planning -----------------------------------------------------------------------------


def chapters(first: int, last: int, count: int, mains: Sequence[Heading]) -> list[tuple[int, int]]:
    """The first and last page of each chapter of pages ``first``–``last`` (where its
    main headings open them; headings on one page make one chapter), when it has at
    least 3; else none. More than twice ``count`` chapters are taken together, next to
    each other, into ``count`` runs of about as many pages (the maintainers' guide's 22
    chapters were otherwise merged at once, and the model kept its first pages)."""
    starts = sorted({h.page for h in mains if first <= h.page <= last})
    if len(starts) < 3:
        return []
    starts[0] = first  # a title page belongs to the first chapter
    if len(starts) > 2 * count:
        size = (last - first + 1) / count
        ideal = [first + k * size for k in range(1, count)]
        starts = sorted({first} | {min(starts[1:], key=lambda s: abs(s - at)) for at in ideal})
    return list(zip(starts, [s - 1 for s in starts[1:]] + [last], strict=True))


def shares(parts: Sequence[tuple[int, int]], headings: Sequence[Heading], total: int) -> list[int]:
    """How many of ``total`` points each chapter (its first and last page) gets: by the
    square root of its headings, at least one. A standard's chapter of thirteen
    sections, from error messages to the command line, is more than its one-section
    preface; twenty sample scripts are not twenty topics."""
    weights = [
        math.sqrt(max(1, sum(1 for h in headings if first <= h.page <= last)))
        for first, last in parts
    ]
    return [max(1, round(total * w / sum(weights))) for w in weights]


def spans(first: int, last: int, count: int, mains: Sequence[Heading]) -> list[tuple[int, int]]:
    """The parts a summary of pages ``first``–``last`` must cover: its ``chapters``,
    else ``count`` equal runs of pages."""
    found = chapters(first, last, count, mains)
    if found:
        return found
    parts = max(1, min(count, last - first + 1))
    size = (last - first + 1) / parts
    return [
        (first + math.floor(i * size), first + math.floor((i + 1) * size) - 1) for i in range(parts)
    ]


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


@dataclass(frozen=True)
class Batch:
    """Notes combined in one step of the reduce."""

    units: tuple[Statement, ...]

    @property
    def first(self) -> int:
        return min(u.first for u in self.units)

    @property
    def last(self) -> int:
        return max(u.last for u in self.units)


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
