"""The prompts of a summary's steps: the mode's task for the step, the document's own
headings where the step reads, and the language to write in (prompts are data:
``resources/prompts/summarize``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushdesk import assets
from hushdesk.assistant.summarize.options import Length, Mode, Options
from hushdesk.assistant.summarize.plan import OUTLINE_ITEMS, Heading
from hushdesk.engine.types import Message
from hushdesk.library.text import strip_special_tokens


@dataclass(frozen=True)
class Prompts:
    mode: Mode
    length: Length
    options: Options
    language: str | None
    main: Sequence[Heading]  # the document's main headings

    def messages(
        self,
        step: str,
        where_: str,
        text: str,
        span: tuple[int, int] | None = None,
        items: int | None = None,
    ) -> list[Message]:
        """The prompt of one step; ``span`` (first and last page) names the document's
        main headings there, so the model knows what the parts it reads are about."""
        common = assets.prompts("summarize", "_common.toml")
        task = getattr(self.mode, step).format(
            sentences=self.length.sentences,
            items=items or self.length.items,
            instruction=strip_special_tokens(self.options.instruction.strip()),
        )
        language = (
            common["language"].format(language=self.language)
            if self.language
            else common["same_language"]
        )
        headings = self.headings_in(*span) if span else []
        structure = common["outline"].format(headings="; ".join(headings)) if headings else ""
        user = common["document"].format(
            where=where_, text=text, outline=structure, task=task, language=language
        )
        return [Message("system", common["system"].strip()), Message("user", user.strip())]

    def headings_in(self, first: int, last: int) -> list[str]:
        """The main headings on pages ``first``–``last`` (evenly chosen when many)."""
        inside = [h.text for h in self.main if first <= h.page <= last]
        if len(inside) > OUTLINE_ITEMS:
            step = len(inside) / OUTLINE_ITEMS
            inside = [inside[int(i * step)] for i in range(OUTLINE_ITEMS)]
        return inside
