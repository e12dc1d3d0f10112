"""Compare two versions of a document: the changes (changed, added, removed, moved) with
both wordings and pages, a summary of the material ones on the chat model, and a Word
redline — for the comparison widget and ``hushdesk compare`` alike.

The comparison itself needs no model (``assistant.compare``: difflib over clauses), so
it works with none installed, or when the model fails to load: the result then says
why it has no summary. Nothing is stored: both files are read again on every run (in a
child process, like every document the app reads), and the result lives as long as the
caller keeps it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from hushdesk.assistant.compare import (
    Change,
    ChangeSummary,
    Comparison,
    Kind,
    Op,
    Piece,
    Side,
    Statement,
    compare,
    redline,
)
from hushdesk.assistant.compare.summary import summarize
from hushdesk.assistant.summarize.sources import from_file
from hushdesk.errors import HushdeskError, ModelError
from hushdesk.fsutil import atomic_write_bytes
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker, TextCallback
from hushdesk.services.runtime import ModelRuntime

__all__ = [
    "Change",
    "ChangeSummary",
    "Compare",
    "Comparison",
    "Kind",
    "Op",
    "Piece",
    "Side",
    "Statement",
]

log = logging.getLogger("hushdesk.compare")


class Compare:
    def __init__(self, runtime: ModelRuntime) -> None:
        self.runtime = runtime

    def run(
        self,
        old: Path,
        new: Path,
        *,
        summary: bool = True,
        model: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_text: TextCallback | None = None,
    ) -> Comparison:
        """``old`` against ``new`` (PDF, DOCX, text, any format the library reads);
        with ``summary``, the material changes summarized on ``model`` (the default
        chat model when None). Raises ``Cancelled`` when cancelled."""
        for path in (old, new):
            if not path.is_file():
                raise HushdeskError(f"No such file: {path}")
        tracker = ProgressTracker(5 if summary else 3, "Comparing")

        def step(done: int, label: str) -> None:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if progress is not None:
                progress(tracker.update(done, label))

        step(0, f"Reading {old.name}")
        before = from_file(old, cancel=cancel)
        step(1, f"Reading {new.name}")
        after = from_file(new, cancel=cancel)
        step(2, "Comparing")
        result = compare(before, after)
        notes = [f"{s.name}: {w}" for s in (before, after) for w in s.warnings]
        if summary and result.changes:
            try:
                chosen = self.runtime.chat_model(model)
                step(3, f"Loading {chosen.name}")
                self.runtime.ensure_loaded(chosen)
                step(4, f"Summarizing {len(result.changes)} changes")
                written = summarize(
                    result,
                    self.runtime.engine_for(chosen),
                    model=chosen.name,
                    family=chosen.prompt_family,
                    cancel=cancel,
                    on_text=on_text,
                )
                result = replace(result, summary=written)
            except ModelError as exc:
                log.warning("comparison without a summary: %s", type(exc).__name__)
                notes.append(f"No summary: {exc.message}")
        if progress is not None:
            progress(Progress(tracker.total or 1, tracker.total, "Done"))
        return replace(result, notes=tuple(notes))

    def export(self, comparison: Comparison, path: Path) -> Path:
        """The redline as a Word document (.docx), with real tracked changes."""
        if path.suffix.lower() != ".docx":
            raise HushdeskError(f"A redline is a Word document: use .docx, not {path.suffix}.")
        atomic_write_bytes(path, redline.docx_bytes(comparison))
        return path
