"""Answers grounded in document libraries, with numbered citations.

Retrieved passages go into the newest user message only, fenced and numbered, with
anything that looks like a chat-template control token removed, so a document cannot
open a turn or pose as the system. When nothing relevant is found the answer is a
plain "I could not find this in your documents" — no guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from hushdesk import assets
from hushdesk.library.text import strip_special_tokens

if TYPE_CHECKING:  # the library pulls in numpy; importing this module stays cheap
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.search import Hit
    from hushdesk.library.store import Library

_CITE = re.compile(r"\[(\d{1,2})\]")
RELATIVE_FLOOR = 0.6  # a source must be at least this similar relative to the best one


@dataclass(frozen=True)
class Citation:
    n: int
    path: str
    file: str
    file_id: int
    page: int
    paginated: bool
    passage: str
    start: int
    end: int
    score: float

    @property
    def where(self) -> str:
        return f"{self.file}, {'page' if self.paginated else 'section'} {self.page}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Grounding:
    """What to send instead of the bare question, and the sources it cites."""

    prompt: str
    citations: tuple[Citation, ...]
    abstain: bool


def prompts() -> dict[str, str]:
    return {k: str(v).strip() for k, v in assets.prompts("answer.toml").items()}


def system_prompt() -> str:
    return prompts()["system"]


def abstain_text() -> str:
    return prompts()["abstain"]


def ground(
    library: DocumentLibrary, libraries: Sequence[Library], question: str, *, k: int = 4
) -> Grounding:
    """Search every library, keep the best ``k`` passages, build the fenced prompt."""
    hits: list[Hit] = []
    abstain = True
    for lib in libraries:
        result = library.search(lib, question, k=k)
        abstain = abstain and result.abstain
        if not result.abstain:
            hits.extend(result.hits)
    if abstain or not hits:
        return Grounding(question, (), True)
    # Only passages close to the best one: weak ones distract a small model and the reader.
    best = max(h.similarity or 0.0 for h in hits)
    keep = max(library.relevance_floor, RELATIVE_FLOOR * best)
    hits = sorted(
        (h for h in hits if (h.similarity or 0.0) >= keep), key=lambda h: -(h.similarity or 0.0)
    )[:k]
    citations = tuple(
        Citation(
            n=i,
            path=h.file.path,
            file=h.file.name,
            file_id=h.file.id,
            page=h.chunk.page,
            paginated=h.file.paginated,
            passage=h.chunk.text,
            start=h.chunk.start,
            end=h.chunk.end,
            score=round(h.similarity or 0.0, 3),
        )
        for i, h in enumerate(hits, start=1)
    )
    p = prompts()
    sources = "\n\n".join(
        p["source"].format(n=c.n, where=fence(c.where), text=fence(c.passage)) for c in citations
    )
    return Grounding(p["user"].format(sources=sources, question=question), citations, False)


def grounder_for(library: DocumentLibrary, names: Sequence[str]) -> Callable[[str], Grounding]:
    """Ground each question in the named libraries, looked up afresh every time (a
    library may have been deleted, or re-indexed with another model, meanwhile)."""

    def grounder(question: str) -> Grounding:
        existing = {lib.name: lib for lib in library.store.libraries()}
        chosen = [existing[n] for n in names if n in existing]
        if not chosen:
            return Grounding(question, (), True)
        return ground(library, chosen, question)

    return grounder


def fence(text: str) -> str:
    """Document text made inert: no control tokens, no way to close the fence."""
    text = strip_special_tokens(text)
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")


def unfence(output: str) -> str:
    """A model's output without the fence marks it copied from its prompt."""
    output = re.sub(r"(?m)^[ \t]*(<{2,3}|>{2,3})[ \t]*$\n?", "", output)
    return re.sub(r"^\s*<{3}|>{3}\s*$", "", output).strip()


def cited_numbers(answer: str, numbers: Iterable[int]) -> list[int]:
    """The source numbers the answer actually cites, in order of first use."""
    valid = set(numbers)
    seen: list[int] = []
    for match in _CITE.finditer(answer):
        n = int(match.group(1))
        if n in valid and n not in seen:
            seen.append(n)
    return seen
