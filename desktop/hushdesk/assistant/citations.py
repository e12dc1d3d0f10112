"""A source an answer was given: which passage of which file, on which page. Kept with
the answer in the conversation and draft stores, read back typed (``from_dict``) so
every front end reads fields, never a stored dict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from hushdesk.library.recordings import label_times
from hushdesk.library.records import place


@dataclass(frozen=True)
class Citation:
    n: int  # the number the answer cites it by: [n]
    path: str
    file: str
    file_id: int
    page: int
    paginated: bool
    passage: str
    start: int
    end: int
    score: float
    label: str = ""  # where it is when not a page or a section: "sheet Rents, row 7"

    @property
    def where(self) -> str:
        return place(self.file, self.page, self.paginated, self.label)

    @property
    def times(self) -> tuple[float, float] | None:
        """Where in a recording it was spoken: (start, end) in seconds, else None."""
        return label_times(self.label)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Citation | None:
        """A stored citation, or None when it is not one (a damaged or foreign row)."""
        if not isinstance(data, dict):
            return None
        values: dict[str, Any] = {}
        for f in fields(cls):
            kind = {"int": int, "str": str, "bool": bool, "float": float}[str(f.type)]
            value = data.get(f.name, f.default)  # a field added since: its default
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not kind:
                return None
            values[f.name] = value
        return cls(**values)


def read_all(stored: object) -> tuple[Citation, ...]:
    """The citations of a stored list, leaving out whatever is not one."""
    found = (Citation.from_dict(c) for c in stored) if isinstance(stored, list) else ()
    return tuple(c for c in found if c is not None)
