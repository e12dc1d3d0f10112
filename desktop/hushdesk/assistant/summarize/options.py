"""What a summary should be: modes and lengths (prompts as data), and the options."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from hushdesk import assets
from hushdesk.errors import HushdeskError

# -- modes and options --------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    id: str
    title: str
    description: str
    order: int
    style: str  # prose | list | sections
    keep: str  # which left-out source sentences to keep: facts | dates | obligations
    sort: str  # "" or "date"
    map: str
    reduce: str
    single: str
    chapter: str = ""  # one chapter's notes into its points; without it, the notes of all
    restate: str = ""  # a point copied from the text said again shortly (restate.py)


@dataclass(frozen=True)
class Length:
    sentences: str
    items: int
    map_tokens: int
    final_tokens: int
    parts: int
    facts: int


@cache
def modes() -> dict[str, Mode]:
    found = []
    for name, data in assets.prompt_folder("summarize"):
        found.append(
            Mode(
                id=name,
                title=data["title"],
                description=data["description"],
                order=int(data.get("order", 99)),
                style=data.get("style", "prose"),
                keep=data.get("keep", "facts"),
                sort=data.get("sort", ""),
                map=data["map"].strip(),
                reduce=data["reduce"].strip(),
                single=data["single"].strip(),
                chapter=data.get("chapter", "").strip(),
                restate=data.get("restate", "").strip(),
            )
        )
    return {m.id: m for m in sorted(found, key=lambda m: m.order)}


@cache
def lengths() -> dict[str, Length]:
    return {
        name: Length(**values)
        for name, values in assets.prompts("summarize", "_common.toml")["length"].items()
    }


@dataclass(frozen=True)
class Options:
    mode: str = "brief"
    length: str = "medium"
    language: str | None = None  # None: the document's own
    instruction: str = ""  # the custom mode's instruction

    def check(self) -> None:
        if self.mode not in modes():
            raise HushdeskError(
                f"Unknown summary mode {self.mode!r}; choose one of: {', '.join(modes())}."
            )
        if self.length not in lengths():
            raise HushdeskError(
                f"Unknown length {self.length!r}; choose one of: {', '.join(lengths())}."
            )
        if self.mode == "custom" and not self.instruction.strip():
            raise HushdeskError("The custom mode needs an instruction: say what to do.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Options:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
