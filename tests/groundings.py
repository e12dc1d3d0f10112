"""Groundings made by hand for fast checks of ``grounding.settle``: numbered passages,
passage n from "n.pdf", page n + 2."""

from __future__ import annotations

from hushdesk.assistant.grounding import Citation, Grounding


def grounding_of(*passages: str) -> Grounding:
    citations = tuple(
        Citation(n, f"/d/{n}.pdf", f"{n}.pdf", n, n + 2, True, text, 0, len(text), 0.5)
        for n, text in enumerate(passages, start=1)
    )
    return Grounding("prompt", citations, False)
