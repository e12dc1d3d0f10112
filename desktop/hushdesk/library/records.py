"""A library as the document store keeps it: its own module, so the store's parts
(``keywords``, ``vector_rows``) and the store itself share it without an import circle.
And the one wording of a passage's place, for search hits and citations alike."""

from __future__ import annotations

from dataclasses import dataclass

from hushdesk.speech.transcript import clock, label_times


@dataclass(frozen=True)
class Library:
    id: int
    name: str
    embedding_model: str
    watch_folder: str | None


def place(file: str, page: int, paginated: bool, label: str = "") -> str:
    """Where a passage is: "lease.pdf, page 3", "notes.docx, section 2", or its own
    label where it has one ("rents.xlsx, sheet Rents, row 7"; a recording's time:
    "interview.m4a at 12:31–12:48")."""
    if label.startswith("at "):
        return f"{file} {label}"
    if label:
        return f"{file}, {label}"
    return f"{file}, {'page' if paginated else 'section'} {page}"


def span(first: str, last: str) -> str:
    """Where a stretch of labelled sections runs: a recording's "at 12:31–14:02" (from
    the first's start to the last's end), else "sheet Rents, row 7 – row 9"."""
    if first == last:
        return first
    start, end = label_times(first), label_times(last)
    if start is not None and end is not None:
        return f"at {clock(start[0])}–{clock(end[1])}"
    return f"{first} – {last}"
