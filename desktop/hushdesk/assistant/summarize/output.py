"""What the model wrote, read back: statements (and headings) out of its text, the
quote a combined note came from, date order for timelines."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hushdesk.assistant.dates import find_date
from hushdesk.assistant.evidence import split_sentences
from hushdesk.assistant.summarize.results import Statement

_REFERENCE = re.compile(
    r"\s*[(\[]\s*(?:pp?\.|pages?|§|sections?)\s*\d+(?:\s*[-–]\s*\d+)?\s*[)\]]", re.IGNORECASE
)
_DANGLING = re.compile(r"\s*[(\[]\s*(?:pp?\.?|pages?|§)?\s*\d*\s*[-–]?\s*$", re.IGNORECASE)
_CLOSING = (".", "!", "?", ")", '"', "”", "»")
_NONE = re.compile(r"^\W*(none|n/a|no (?:dated events|action items|deadlines)\b.*)\W*$", re.I)


def statements_in(output: str, style: str) -> list[tuple[str, bool]]:
    """The model's output as (statement, is_heading) pairs, page references removed."""
    out: list[tuple[str, bool]] = []
    output = _REFERENCE.sub("", output).rstrip()  # the model's own references: ours are checked
    if output and not output.endswith(_CLOSING):  # cut off at the token limit: drop the stub
        cut = max(output.rfind(". "), output.rfind("\n"))
        output = output[: cut + 1] if cut > 0 else ""
    for raw in output.splitlines():
        line = raw.strip()
        if not line or _NONE.match(line):
            continue
        if line.startswith("#"):
            out.append((line.lstrip("#").strip(), True))
            continue
        bullet = bool(re.match(r"^\s*(?:[-*•·‣▪]|\d{1,3}[.)])\s+", raw))
        if bullet and style == "list":
            pieces = [re.sub(r"^\s*(?:[-*•·‣▪]|\d{1,3}[.)])\s+", "", line)]
        else:
            pieces = split_sentences(line)
        for piece in pieces:
            statement = _DANGLING.sub("", piece).strip()
            if style == "prose" and not statement.endswith(_CLOSING):
                continue  # a fragment, not a sentence
            if statement and not _NONE.match(statement):
                out.append((statement, False))
    return out


def quote_of(note_sentence: str, notes: Iterable[Statement]) -> str:
    """The source sentence behind the note a combined statement draws on."""
    return next((n.quote for n in notes if note_sentence and note_sentence in n.text), "")


def by_date(statements: list[Statement]) -> list[Statement]:
    dated = [(find_date(s.text), i, s) for i, s in enumerate(statements)]
    if not any(d for d, _, _ in dated):
        return statements
    return [s for d, _, s in sorted((d, i, s) for d, i, s in dated if d is not None)] + [
        s for d, _, s in dated if d is None
    ]
