"""What a reader makes of a file: its pages of text (or sections, rows, timed passages),
kind, title and warnings — shared by the loaders and the recordings, which import
nothing of each other."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_TEXT_CHARS = 50_000_000  # ~25,000 dense pages: more is not a document we can serve


@dataclass
class PageText:
    number: int
    text: str
    scanned: bool = False  # an image of text: read by OCR, or not read at all
    label: str = ""  # where it is when not "page N" or "section N": "sheet Rents, row 7"


@dataclass
class LoadedDocument:
    kind: str
    title: str
    pages: list[PageText]
    paginated: bool = True  # False: "pages" are sections of a format without pages
    warnings: list[str] = field(default_factory=list)
    duration_s: float | None = None  # a recording's length

    @property
    def text_chars(self) -> int:
        return sum(len(p.text) for p in self.pages)
