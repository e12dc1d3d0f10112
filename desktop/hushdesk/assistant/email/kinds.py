"""Kinds of email, tones and lengths: prompts as data (resources/prompts/email/)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from hushdesk import assets
from hushdesk.errors import HushdeskError

if TYPE_CHECKING:
    pass


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


def _common() -> dict[str, Any]:
    return assets.prompts("email", "_common.toml")


@cache
def kinds() -> dict[str, Kind]:
    found = []
    for name, data in assets.prompt_folder("email"):
        found.append(
            Kind(
                id=name,
                title=data["title"],
                description=data["description"],
                order=int(data.get("order", 99)),
                needs=data.get("needs", "either"),
                task=data["task"].strip(),
                subject=data.get("subject", "{topic}"),
            )
        )
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
