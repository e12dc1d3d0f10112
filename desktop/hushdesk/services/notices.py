"""Words the front ends share about a result, so that the pages and the command line say
the same thing the same way."""

from __future__ import annotations

from typing import Literal

StruggledAt = Literal["summary", "email", "rewrite", "translate"]

# What a result says when its model was too small for the task (a ``model_struggled``
# on the result): the task, what the result shows, what a larger model does instead.
TOO_SMALL: dict[StruggledAt, tuple[str, str, str]] = {
    "summary": (
        "summaries",
        "most of what it wrote was not in the document, so this is mostly sentences taken from it",
        "writes real summaries",
    ),
    "email": (
        "emails",
        "it only repeated your points, so this draft is your own words under a greeting",
        "writes real emails",
    ),
    "rewrite": ("rewriting", "it gave the text back as it was", "rewrites it"),
    "translate": ("translating", "it gave the text back untranslated", "translates it"),
}


def too_small(task: StruggledAt, where: str = "Models page") -> str:
    """The one wording for "this model is too small for that", for every page and the
    command line; ``where`` says where larger models are."""
    noun, shows, better = TOO_SMALL[task]
    return f"This model is too small for {noun}: {shows}. A larger model ({where}) {better}"
