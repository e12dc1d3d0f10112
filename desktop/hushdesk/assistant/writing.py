"""Writing tasks on the user's text: rewrite, proofread (with the list of changes),
translate, and classify into the user's own labels.

Long texts are worked on a few paragraphs at a time, so any length fits the model's
context. A part the model gives back as it was (or gives nothing for) keeps its text,
and the result says so: a model too small for the task is not passed off as done.
Classification is constrained by a grammar to one of the labels, and the
answer is also parsed leniently, so a model that rambles still yields a label.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hushdesk import assets
from hushdesk.assistant.generation import PREAMBLE, Tidied, complete
from hushdesk.assistant.grounding import fence, unfence
from hushdesk.engine.base import Engine
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.errors import HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker

PART_CHARS = 2400  # about 600 tokens: a part and its rewrite fit a 4k context with room
SAMPLING = SamplingParams(
    temperature=0.2, top_p=0.9, top_k=40, min_p=0.05, repeat_penalty=1.1, seed=7
)


class WritingError(HushdeskError):
    """A writing task cannot be done as asked."""


def prompts() -> dict[str, Any]:
    return assets.prompts("writing.toml")


def styles() -> dict[str, str]:
    """Rewrite styles: id → title."""
    return {k: v["title"] for k, v in prompts()["task"]["rewrite"]["style"].items()}


@dataclass(frozen=True)
class Change:
    before: str
    after: str

    def describe(self) -> str:
        if not self.before:
            return f"added “{self.after}”"
        if not self.after:
            return f"removed “{self.before}”"
        return f"“{self.before}” → “{self.after}”"


@dataclass(frozen=True)
class Rewritten:
    """A rewrite or a translation: the text, and how many of its parts the model gave
    back unchanged (or wrote nothing for, so the part was kept as it was)."""

    text: str
    parts: int = 1
    unchanged: int = 0

    @property
    def model_struggled(self) -> bool:
        """At least half of the text came back as it went in."""
        return self.unchanged > 0 and 2 * self.unchanged >= self.parts


@dataclass(frozen=True)
class Proofread:
    text: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Classification:
    label: str
    reason: str
    certain: bool  # False when the model named no label and the first one was taken


class Writer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rewrite(
        self, text: str, style: str = "clearer", *, language: str | None = None, **job: Any
    ) -> Rewritten:
        if style not in styles():
            raise WritingError(f"Unknown style {style!r}; choose one of {', '.join(styles())}.")
        task = prompts()["task"]["rewrite"]
        instruction = task["instruction"].format(
            style=task["style"][style]["text"],
            language=f"Write in {language}." if language else "Keep the language of the text.",
        )
        return self._by_parts(text, instruction, "Rewriting", **job)

    def proofread(self, text: str, **job: Any) -> Proofread:
        corrected = self._by_parts(
            text, prompts()["task"]["proofread"]["instruction"], "Proofreading", **job
        )
        return Proofread(corrected.text, tuple(changes(text, corrected.text)))

    def translate(self, text: str, language: str, **job: Any) -> Rewritten:
        if not language.strip():
            raise WritingError("Say which language to translate into.")
        instruction = prompts()["task"]["translate"]["instruction"].format(language=language)
        return self._by_parts(text, instruction, "Translating", **job)

    def classify(
        self, text: str, labels: Sequence[str], *, cancel: CancelToken | None = None
    ) -> Classification:
        labels = clean_labels(labels)
        instruction = prompts()["task"]["classify"]["instruction"].format(labels=", ".join(labels))
        params = SamplingParams(temperature=0.0, max_tokens=80, grammar=label_grammar(labels))
        result = complete(
            self.engine, self._messages(text[: PART_CHARS * 2], instruction), params, cancel=cancel
        )
        return parse_label(result.text, labels)

    def _by_parts(
        self,
        text: str,
        instruction: str,
        label: str,
        *,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Rewritten:
        if not text.strip():
            raise WritingError("There is no text to work on.")
        parts = split_parts(text)
        tracker = ProgressTracker(len(parts), label)
        done: list[str] = []
        for i, part in enumerate(parts):
            if progress is not None:
                progress(tracker.update(i) if len(parts) > 1 else Progress(0, None, label))
            if done and on_text is not None:
                on_text("\n\n")
            budget = max(256, len(part) // 2)  # ~2× the part's tokens
            params = replace(SAMPLING, max_tokens=budget)
            result = complete(
                self.engine,
                self._messages(part, instruction),
                params,
                cancel=cancel,
                on_text=None if on_text is None else Tidied(on_text, echo=part),
            )
            done.append(_cleaned(result.text, part) or part)
        unchanged = sum(_same_text(d, p) for d, p in zip(done, parts, strict=True))
        return Rewritten("\n\n".join(done), len(parts), unchanged)

    def _messages(self, text: str, instruction: str) -> list[Message]:
        p = prompts()
        user = p["request"].format(text=fence(text), task=" ".join(instruction.split())).strip()
        return [Message("system", " ".join(p["system"].split())), Message("user", user)]


def split_parts(text: str, size: int = PART_CHARS) -> list[str]:
    """Paragraphs grouped into parts of at most ``size`` characters (a longer paragraph
    is cut between sentences)."""
    pieces: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        paragraph = block
        while len(paragraph) > size:
            cut = paragraph.rfind(". ", 0, size)
            cut = cut + 1 if cut > size // 3 else size
            pieces.append(paragraph[:cut].strip())
            paragraph = paragraph[cut:].strip()
        if paragraph.strip():
            pieces.append(paragraph.strip())
    parts: list[str] = []
    for piece in pieces:
        if parts and len(parts[-1]) + len(piece) + 2 <= size:
            parts[-1] += "\n\n" + piece
        else:
            parts.append(piece)
    return parts


def _same_text(after: str, before: str) -> bool:
    return " ".join(after.split()) == " ".join(before.split())


def _cleaned(output: str, part: str) -> str:
    """The result without the fences, an echo of the text before it, or a preamble."""
    text = unfence(output)
    if text.startswith(part.strip()) and len(text) > len(part.strip()) + 10:
        text = text[len(part.strip()) :].strip()  # the text copied out, then the work
    return _strip_preamble(text)


def _strip_preamble(text: str) -> str:
    lines = text.splitlines()
    if len(lines) > 1 and PREAMBLE.match(lines[0]):
        return "\n".join(lines[1:]).strip()
    return text


def changes(before: str, after: str) -> list[Change]:
    """Word-level differences, as a proofreader would list them."""
    a, b = re.findall(r"\S+", before), re.findall(r"\S+", after)
    found = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            found.append(Change(" ".join(a[i1:i2]), " ".join(b[j1:j2])))
    return found


def clean_labels(labels: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(str(label).split()) for label in labels))
    cleaned = [label for label in cleaned if label]
    if len(cleaned) < 2:
        raise WritingError("Give at least two labels to choose from.")
    return cleaned


def label_grammar(labels: Sequence[str]) -> str:
    """GBNF: ``Label: <one of labels>`` then a one-line reason."""

    def literal(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    choices = " | ".join(literal(label) for label in labels)
    return (
        f'root ::= "Label: " label "\\nReason: " reason\n'
        f"label ::= {choices}\n"
        'reason ::= [^\\n]+ "\\n"?\n'
    )


def parse_label(output: str, labels: Sequence[str]) -> Classification:
    """The label the model chose: from a ``Label:`` line, else the first label it names,
    else the first of the user's labels (``certain`` False)."""
    text = output.strip()
    reason_match = re.search(r"reason\s*:\s*(.+)", text, re.I)
    reason = reason_match.group(1).strip() if reason_match else ""
    by_length = sorted(labels, key=len, reverse=True)
    line = re.search(r"label\s*:\s*(.+)", text, re.I)
    if line:
        value = line.group(1).strip().strip("\"'*.` ").lower()
        for label in by_length:
            if value == label.lower() or value.startswith(label.lower()):
                return Classification(label, reason or _first_sentence(text, line.group(0)), True)
    found = []
    for label in by_length:
        match = re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.I)
        if match:
            found.append((match.start(), label))
    if found:
        return Classification(min(found)[1], reason or _first_sentence(text), True)
    return Classification(
        labels[0], reason or "The model named no label; this is the first of yours.", False
    )


def _first_sentence(text: str, skip: str = "") -> str:
    rest = text.replace(skip, " ").strip()
    return re.split(r"(?<=[.!?])\s", rest, maxsplit=1)[0][:200]
