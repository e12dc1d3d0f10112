"""Personas shipped as data in resources/prompts/personas.toml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hushdesk import assets

DEFAULT = "general"
CUSTOM = "custom"


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    system: str


@cache
def personas() -> tuple[Persona, ...]:
    data = assets.read_toml("prompts", "personas.toml")
    return tuple(
        Persona(key, str(value["name"]), str(value["system"]).strip())
        for key, value in data.items()
    )


def get(persona_id: str) -> Persona:
    for persona in personas():
        if persona.id == persona_id:
            return persona
    return personas()[0]


def system_prompt(persona_id: str, custom: str | None = None) -> str:
    """The system prompt of a conversation: its own text, else its persona's."""
    if custom and custom.strip():
        return custom.strip()
    return get(persona_id).system
