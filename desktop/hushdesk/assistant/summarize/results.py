"""What is summarized (pages of a source) and what comes out (statements with their
pages, the stats of the run)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from hushdesk.assistant.summarize.options import Options, modes
from hushdesk.library.records import span

# -- sources and results ------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    label: str = ""  # where it is when not "page N": a recording's "at 12:31–12:48"


@dataclass(frozen=True)
class Source:
    """What to summarize: the pages of a file, of a library document, or pasted text."""

    name: str
    pages: tuple[Page, ...]
    paginated: bool = True  # False: numbered sections of a format without pages
    path: str | None = None
    file_id: int | None = None  # a library document
    warnings: tuple[str, ...] = ()

    @cached_property
    def key(self) -> str:
        """Identifies the content: the same text has the same key wherever it came from."""
        digest = hashlib.sha256(b"p" if self.paginated else b"s")
        for page in self.pages:
            digest.update(f"\x00{page.number}\x00".encode())
            digest.update(page.text.encode("utf-8"))
        return digest.hexdigest()

    @cached_property
    def labels(self) -> dict[int, str]:
        return {p.number: p.label for p in self.pages if p.label}

    def where(self, first: int, last: int) -> str:
        return where(first, last, self.paginated, self.labels)


def where(first: int, last: int, paginated: bool, labels: dict[int, str] | None = None) -> str:
    """A statement's pages as a summary shows them: "p. 4", "§§ 2–3", or its sections'
    own labels ("at 12:31–14:02" in a recording)."""
    if labels and first in labels and last in labels:
        return span(labels[first], labels[last])
    if paginated:
        return f"p. {first}" if first == last else f"pp. {first}–{last}"
    return f"§ {first}" if first == last else f"§§ {first}–{last}"


@dataclass(frozen=True)
class Statement:
    text: str
    first: int
    last: int
    heading: str = ""  # detailed summaries: the section it sits under
    kept: bool = False  # taken from the source because the model left the fact out
    quote: str = ""  # the source sentence that supports it (shown when its page opens)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Stats:
    pages: int = 0
    tokens: int = 0
    sections: int = 0
    single_pass: bool = False
    model_calls: int = 0
    reused_steps: int = 0
    levels: int = 0
    chapters: int = 0  # the final points written chapter by chapter
    dropped: int = 0  # statements the source did not support, over every step
    held: int = 0  # statements it supported, over every step (0 in summaries before it)
    left_out: str = ""  # "pp. 33–50 (7. Copying) left out as back matter"
    kept_facts: int = 0
    copied: int = 0  # points copied from the text, given to the model to say again
    restated: int = 0  # of them, those it said again in words their pages hold
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0


@dataclass
class Summary:
    options: Options
    statements: list[Statement]
    paginated: bool
    language: str | None = None
    stats: Stats = field(default_factory=Stats)
    labels: dict[int, str] = field(default_factory=dict)  # the source's page labels

    @property
    def model_struggled(self) -> bool:
        """The model was too small for this summary: more of what it wrote was left out
        as unsupported than held, over every step, or more of what is shown was taken
        from the text than the statements it wrote that hold. (Every step's dropped
        statements against the final ones alone said so of any long document.)"""
        written = sum(1 for s in self.statements if not s.kept)
        held = self.stats.held or written  # a summary stored before steps were counted
        return self.stats.dropped > held or self.stats.kept_facts > written

    def markdown(self, *, title: str = "", links: bool = False) -> str:
        """The summary as Markdown; with ``links`` each page reference links to ``ref:N``,
        N the statement's index."""
        style = modes()[self.options.mode].style
        lines = [f"# {title}", ""] if title else []
        prose: list[str] = []
        heading = None
        for index, statement in enumerate(self.statements):
            if statement.heading != heading:
                if prose:
                    lines += [" ".join(prose), ""]
                    prose = []
                heading = statement.heading
                if heading:
                    lines += [f"### {heading}", ""]
            ref = self.where(statement)
            if links:
                ref = f"[{ref}](ref:{index})"
            text = f"{statement.text} ({ref})"
            if style == "list" or (style == "sections" and statement.heading):
                lines.append(f"- {text}")
            else:
                prose.append(text)
        if prose:
            lines.append(" ".join(prose))
        return "\n".join(lines).strip() + "\n"

    def where(self, statement: Statement) -> str:
        return where(statement.first, statement.last, self.paginated, self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "options": self.options.to_dict(),
            "statements": [s.to_dict() for s in self.statements],
            "paginated": self.paginated,
            "language": self.language,
            "stats": asdict(self.stats),
            "labels": {str(n): label for n, label in self.labels.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        return cls(
            options=Options.from_dict(data["options"]),
            statements=[Statement(**s) for s in data["statements"]],
            paginated=bool(data["paginated"]),
            language=data.get("language"),
            stats=Stats(**data.get("stats", {})),
            labels={int(n): str(label) for n, label in data.get("labels", {}).items()},
        )
