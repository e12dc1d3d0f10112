"""Dates as documents write them ("3 March 2021", "March 3rd, 2021", "2021-03-03",
"October 2022", "03.03.2021"): found in text, read as dates, kept as written."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_DATE_PATTERNS = (
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),  # 2021-03-03
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b"),  # 3 March 2021
    re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"),  # March 3, 2021
    re.compile(r"\b([A-Za-z]{3,9})\s+(\d{4})\b"),  # March 2021
    re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"),  # 03.03.2021 (day first)
)


def dates_in(text: str) -> set[date]:
    """Every full date (day, month and year) written in ``text``."""
    found = set()
    for index, pattern in enumerate(_DATE_PATTERNS[:3]):
        for match in pattern.finditer(text):
            day = _as_date(index, match.groups())
            if day is not None:
                found.add(day)
    return found


def find_date(text: str) -> date | None:
    """The first date written in ``text`` (a month or year alone counts as its first day)."""
    found = date_phrase(text)
    return found[1] if found else None


def date_phrase(text: str) -> tuple[str, date] | None:
    """The first date written in ``text``: its words as written, and the date."""
    found = date_phrases(text)
    return found[0] if found else None


def date_phrases(text: str) -> list[tuple[str, date]]:
    """Every date written in ``text`` (full dates first): its words and the date."""
    found = []
    for index, pattern in enumerate(_DATE_PATTERNS):
        for match in pattern.finditer(text):
            day = _as_date(index, match.groups())
            if day is not None:
                found.append((match.group(0), day))
    return found


def _as_date(pattern: int, parts: tuple[str, ...]) -> date | None:
    try:
        if pattern == 0:
            year, month, day = (int(p) for p in parts)
        elif pattern == 1:
            day, month, year = int(parts[0]), MONTHS.get(parts[1].lower(), 0), int(parts[2])
        elif pattern == 2:
            month, day, year = MONTHS.get(parts[0].lower(), 0), int(parts[1]), int(parts[2])
        elif pattern == 3:
            month, day, year = MONTHS.get(parts[0].lower(), 0), 1, int(parts[1])
        else:
            day, month, year = (int(p) for p in parts)
        return date(year, month, day) if 1000 <= year <= 2999 else None
    except ValueError:  # month 0 (not a month name), 31 February …
        return None
