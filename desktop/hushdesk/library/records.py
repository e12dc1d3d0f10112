"""A library as the document store keeps it: its own module, so the store's parts
(``keywords``, ``vector_rows``) and the store itself share it without an import circle.
And the one wording of a passage's place, for search hits and citations alike."""

from __future__ import annotations

from dataclasses import dataclass


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
