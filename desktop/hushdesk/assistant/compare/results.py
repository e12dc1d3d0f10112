"""What a comparison gives: the two versions, the changes with both wordings and their
pages, the pieces of the redline, and the summary's statements with the changes each
rests on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hushdesk.assistant.summarize.results import Source

Kind = Literal["changed", "added", "removed", "moved"]
Op = Literal["equal", "delete", "insert"]


@dataclass(frozen=True)
class Side:
    """One version's wording of a change, and the page it starts on."""

    text: str
    page: int


@dataclass(frozen=True)
class Change:
    kind: Kind
    old: Side | None
    new: Side | None
    words: tuple[tuple[Op, str], ...] = ()  # a changed or moved clause, word by word

    def spans(self) -> tuple[str, str]:
        """What a changed clause lost and what it gained ("…" between stretches)."""
        gone = " … ".join(t for op, t in self.words if op == "delete")
        came = " … ".join(t for op, t in self.words if op == "insert")
        return gone, came

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "old": asdict(self.old) if self.old else None,
            "new": asdict(self.new) if self.new else None,
        }


@dataclass(frozen=True)
class Piece:
    """A stretch of the compared text in reading order (the new version's, with what
    was removed where it stood): what the redline writes."""

    words: tuple[tuple[Op, str], ...]
    paragraph: bool  # starts a paragraph: a numbered clause, or one in the source
    change: int | None = None  # index into ``Comparison.changes``


@dataclass(frozen=True)
class Statement:
    """A statement of the summary and the changes (1-based) it rests on."""

    text: str
    changes: tuple[int, ...]
    written: bool = True  # False: made from a change the model left out, not by it


@dataclass(frozen=True)
class ChangeSummary:
    statements: tuple[Statement, ...]
    model: str
    dropped: int = 0  # statements no cited change backs, left out


@dataclass(frozen=True)
class Comparison:
    old: Source
    new: Source
    changes: tuple[Change, ...]
    pieces: tuple[Piece, ...] = ()
    summary: ChangeSummary | None = None
    notes: tuple[str, ...] = field(default=())  # why there is no summary, readers' warnings

    def pages(self, change: Change) -> str:
        """ "old p. 4 / new p. 5" (a side a change lacks: "—")."""
        old = self.old.where(change.old.page, change.old.page) if change.old else "—"
        new = self.new.where(change.new.page, change.new.page) if change.new else "—"
        return f"old {old} / new {new}"

    def statement_pages(self, statement: Statement) -> str:
        return "; ".join(self.pages(self.changes[n - 1]) for n in statement.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.name,
            "new": self.new.name,
            "changes": [c.to_dict() for c in self.changes],
            "summary": None
            if self.summary is None
            else [{"text": s.text, "changes": list(s.changes)} for s in self.summary.statements],
        }
