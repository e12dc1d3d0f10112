"""A transcript's formats and a recording's timed passages (no model)."""

from __future__ import annotations

from hushdesk.speech.transcript import Segment, clock, label_times, pages, srt, timed_text, vtt

SEGMENTS = [
    Segment(0.0, 3.2, "The tenant shall pay the rent on the first day."),
    Segment(3.2, 4.0, "Yes."),
    Segment(4.1, 9.9, "The landlord keeps the deposit in a separate account."),
    Segment(3725.5, 3730.25, "Any dispute --> goes to a mediator chosen by both."),
]


def test_times_are_written_as_people_and_subtitles_read_them() -> None:
    assert clock(0) == "0:00"
    assert clock(751.9) == "12:31"
    assert clock(3725.5) == "1:02:05"
    assert clock(3725.25, fraction=",") == "01:02:05,250"
    assert srt(SEGMENTS[:1]) == "1\n00:00:00,000 --> 00:00:03,200\n" + SEGMENTS[0].text + "\n"
    webvtt = vtt(SEGMENTS)
    assert webvtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:03.200\n")
    assert "dispute -> goes" in webvtt  # a cue's text never holds the arrow
    assert timed_text(SEGMENTS[:2]) == f"[0:00] {SEGMENTS[0].text}\n[0:03] Yes."


def test_a_recording_reads_as_a_passage_per_segment_labelled_with_its_time() -> None:
    made = pages(SEGMENTS)
    assert [label for label, _ in made] == ["at 0:00–0:03", "at 0:03–0:09", "at 1:02:05–1:02:10"]
    assert made[1][1] == "Yes. The landlord keeps the deposit in a separate account."  # joined
    assert label_times("at 0:03–0:09") == (3.0, 9.0)
    assert label_times("at 1:02:05–1:02:10") == (3725.0, 3730.0)
    assert label_times("sheet Rents, row 7") is None
    assert label_times("at 0:03–0:09 and more") is None
