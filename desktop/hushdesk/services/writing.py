"""Writing tasks on the chat model: rewrite in a style, proofread (with the changes),
translate, classify under the user's labels — for the Writing tab and the commands
``hushdesk rewrite|proofread|translate|classify``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushdesk.assistant.writing import (
    Classification,
    Proofread,
    Rewritten,
    Writer,
    WritingError,
    styles,
)
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, TextCallback
from hushdesk.services.runtime import ModelRuntime

__all__ = ["TASKS", "Classification", "Proofread", "Rewritten", "Task", "WritingTasks", "styles"]

TASKS = ("rewrite", "proofread", "translate", "classify")


@dataclass(frozen=True)
class Task:
    """What to do with a text; ``style`` for a rewrite, ``language`` for a translation
    (or a rewrite in another language), ``labels`` for a classification."""

    kind: str
    style: str = "clearer"
    language: str | None = None
    labels: tuple[str, ...] = ()


class WritingTasks:
    def __init__(self, runtime: ModelRuntime) -> None:
        self.runtime = runtime

    def run(
        self,
        task: Task,
        text: str,
        *,
        model: str | None = None,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        on_text: TextCallback | None = None,
    ) -> Rewritten | Proofread | Classification:
        """The rewritten, corrected or translated text (streamed to ``on_text``), or the
        label chosen."""
        if task.kind not in TASKS:
            raise WritingError(f"Unknown writing task {task.kind!r}.")
        if progress is not None:
            progress(Progress(0, None, "Loading the model"))
        chosen = self.runtime.chat_model(model)
        self.runtime.ensure_loaded(chosen)
        writer = Writer(self.runtime.engine_for(chosen))
        if task.kind == "classify":
            return writer.classify(text, task.labels, cancel=cancel)
        job = {"cancel": cancel, "progress": progress, "on_text": on_text}
        if task.kind == "rewrite":
            return writer.rewrite(text, task.style, language=task.language, **job)
        if task.kind == "translate":
            return writer.translate(text, task.language or "", **job)
        return writer.proofread(text, **job)


def labels_from(text: str | Sequence[str]) -> tuple[str, ...]:
    """ "urgent, normal, spam" → ("urgent", "normal", "spam")."""
    items = text.split(",") if isinstance(text, str) else text
    return tuple(label.strip() for label in items if label.strip())
