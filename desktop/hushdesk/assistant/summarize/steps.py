"""Where a summary's model steps are kept, so a stopped or killed job resumes without
asking the model again: the store's table, or memory (``MemorySteps``)."""

from __future__ import annotations

from typing import Protocol


class StepCache(Protocol):
    def get_step(self, key: str) -> str | None: ...

    def put_step(self, key: str, source: str, kind: str, output: str) -> None: ...


class MemorySteps:
    """A step cache that lives as long as the object (the CLI without a store, tests)."""

    def __init__(self) -> None:
        self.steps: dict[str, str] = {}

    def get_step(self, key: str) -> str | None:
        return self.steps.get(key)

    def put_step(self, key: str, source: str, kind: str, output: str) -> None:
        self.steps[key] = output
