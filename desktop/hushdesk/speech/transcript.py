"""A transcript: timed segments of what was said, and the ways it is written out.

SRT and WebVTT are written here (a dozen lines each: no maintained library writes
both from plain segments without pulling in a media toolkit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# A recording's "page" is a spoken segment (Whisper's: about a sentence), so that a
# passage found says within seconds where its words were spoken; segments too short to
# stand alone ("Yes.", "Right, thanks.") join the next, up to PAGE_SECONDS in all.
PAGE_SECONDS = 20.0
PAGE_WORDS = 6


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the recording
    end: float
    text: str


@dataclass
class Transcript:
    segments: list[Segment]
    language: str
    duration: float
    model: str
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "duration_s": round(self.duration, 2),
            "model": self.model,
            "segments": [
                {"start_s": round(s.start, 2), "end_s": round(s.end, 2), "text": s.text}
                for s in self.segments
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clock(seconds: float, *, fraction: str = "") -> str:
    """12:31, or 1:02:05 past an hour; with ``fraction`` (``,`` or ``.``) the
    milliseconds and every field, as subtitles write times (00:12:31,250)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if fraction:
        millis = round((seconds - whole) * 1000) % 1000
        return f"{hours:02d}:{minutes:02d}:{secs:02d}{fraction}{millis:03d}"
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def srt(segments: Sequence[Segment]) -> str:
    blocks = [
        f"{i}\n{clock(s.start, fraction=',')} --> {clock(s.end, fraction=',')}\n{s.text}\n"
        for i, s in enumerate(segments, start=1)
    ]
    return "\n".join(blocks)


def vtt(segments: Sequence[Segment]) -> str:
    blocks = [
        f"{clock(s.start, fraction='.')} --> {clock(s.end, fraction='.')}\n"
        f"{s.text.replace('-->', '->')}\n"
        for s in segments
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def timed_text(segments: Sequence[Segment]) -> str:
    return "\n".join(f"[{clock(s.start)}] {s.text}" for s in segments)


# A recording's pages and the label a citation names them by ("at 12:31–12:48"): the
# label is written here and read back here only.
_LABEL = re.compile(r"at (\d+(?::\d{2}){1,2})–(\d+(?::\d{2}){1,2})")


def pages(segments: Sequence[Segment]) -> list[tuple[str, str]]:
    """The transcript as (label, text) pages: a segment each, the shortest joined."""
    out: list[tuple[str, str]] = []
    group: list[Segment] = []
    for segment in segments:
        if group and (
            segment.end - group[0].start > PAGE_SECONDS
            or sum(len(s.text.split()) for s in group) >= PAGE_WORDS
        ):
            out.append(_page(group))
            group = []
        group.append(segment)
    if group:
        out.append(_page(group))
    return out


def _page(group: Sequence[Segment]) -> tuple[str, str]:
    label = f"at {clock(group[0].start)}–{clock(group[-1].end)}"
    return label, " ".join(s.text for s in group)


def label_times(label: str) -> tuple[float, float] | None:
    """The start and end, in seconds, of a recording's passage from its label."""
    found = _LABEL.fullmatch(label.strip())
    if found is None:
        return None
    return _seconds(found.group(1)), _seconds(found.group(2))


def _seconds(text: str) -> float:
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return float(total)
