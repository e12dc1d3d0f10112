"""The file list's Length: pages, rows or sections as the file has them, a recording's
running time."""

from __future__ import annotations

from dataclasses import replace

from hushdesk.services.documents import FileRecord, length


def test_each_kind_of_file_says_its_length_its_own_way() -> None:
    pdf = FileRecord(1, 1, "/a/lease.pdf", None, "done", None, "pdf", "Lease", 12, True, [])
    assert length(pdf) == "12 pages"
    assert length(replace(pdf, kind="docx", paginated=False, pages=3)) == "3 sections"
    assert length(replace(pdf, kind="xlsx", paginated=False, pages=40)) == "40 rows"
    heard = replace(pdf, kind="recording", paginated=False, pages=18, duration_s=3850.4)
    assert length(heard) == "1:04:10"
    assert length(replace(pdf, status="queued", pages=None)) == ""
