"""Personas shipped as data in resources/prompts/personas.toml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hushdesk import assets

DEFAULT = "general"


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    system: str


@cache
def personas() -> tuple[Persona, ...]:
    data = assets.prompts("personas.toml")
    return tuple(
        Persona(key, str(value["name"]), str(value["system"]).strip())
        for key, value in data.items()
    )


def get(persona_id: str) -> Persona:
    for persona in personas():
        if persona.id == persona_id:
            return persona
    return personas()[0]
