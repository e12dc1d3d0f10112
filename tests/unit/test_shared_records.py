"""A shared library's records are held to a schema before any of it is used, and a
file name from the server becomes a plain name that is never a path to open here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hushdesk.library.shared import page_texts
from hushdesk.library.shared_records import (
    MAX_FILE_CHARS,
    MAX_GAP,
    MAX_PAGES,
    bounded,
    file_of,
    passage_of,
    safe_name,
)
from hushdesk.services.shared import openable_locally

SHA = "ab" * 32
DIM = 4


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("lease.pdf", "lease.pdf"),
        ("..\\..\\Windows\\System32\\calc.exe", "calc.exe"),
        ("../../../etc/passwd", "passwd"),
        ("C:calc.exe", "calc.exe"),
        ("C:\\Users\\ann\\notes.docx", "notes.docx"),
        ("\\\\server\\share\\x.pdf", "x.pdf"),
        ("report\x1b]0;title\x07.pdf", "report]0;title.pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1.pdf", "_com1.pdf"),
        ("a<b>c:d|e?f*.pdf", "a_b_c_d_e_f_.pdf"),
        ("..", "document"),
        ("", "document"),
        ("folder/", "document"),
        (None, "document"),
        (42, "document"),
        (". hidden . ", "hidden"),
    ],
)
def test_a_shared_file_name_becomes_a_plain_name(given: Any, safe: str) -> None:
    assert safe_name(given) == safe


def test_a_long_name_keeps_its_extension() -> None:
    name = safe_name("x" * 5000 + ".pdf")
    assert len(name) <= 200
    assert name.endswith(".pdf")


def meta(**changes: Any) -> dict[str, Any]:
    record = {"sha": SHA, "name": "lease.pdf", "title": "Lease", "kind": "pdf", "pages": 3,
              "paginated": True, "count": 2, "n": 0, "page": 1, "start": 0, "end": 5}  # fmt: skip
    record.update(changes)
    return record


def passage(record: dict[str, Any], text: Any = "hello", vector: Any = None) -> Any:
    vector = np.ones(DIM, np.float32) if vector is None else vector
    return passage_of(record, text, vector, sha256=SHA, dimension=DIM)


def test_a_good_record_is_taken() -> None:
    taken = passage(meta())
    assert taken is not None
    assert taken.chunk.text == "hello"
    assert taken.file.name == "lease.pdf"
    assert taken.chunk.label == ""  # a record from before labels, or of a PDF


def test_a_rows_label_is_taken_as_plain_text_of_a_bounded_length() -> None:
    taken = passage(meta(kind="xlsx", paginated=False, label="sheet Rents\x1b[2J, row 7"))
    assert taken is not None
    assert taken.chunk.label == "sheet Rents[2J, row 7"
    long = passage(meta(label="x" * 10_000))
    assert long is not None
    assert len(long.chunk.label) == 200
    assert passage(meta(label=["not", "text"])).chunk.label == ""


@pytest.mark.parametrize(
    "record",
    [
        meta(start=10**12, end=10**12 + 5),  # the 3.2 GB page offset
        meta(page=MAX_PAGES + 1),
        meta(page=-1),
        meta(page="3"),
        meta(page=2.5),
        meta(page=True),
        meta(start=0, end=6),  # offsets that are not the text's span
        meta(n=2),  # past the file's count
        meta(count=0),
        meta(pages=10**9),
        meta(sha="../../x"),
        meta(sha=SHA.upper()),
        meta(paginated="yes"),
        {"sha": SHA},
        "not a record",
        None,
    ],
)
def test_a_record_out_of_bounds_or_of_the_wrong_type_is_skipped(record: Any) -> None:
    assert passage(record) is None


@pytest.mark.parametrize(
    ("text", "vector"),
    [
        (None, None),
        (42, None),
        ("", None),
        ("x" * 30_000, None),
        ("hello", np.ones(DIM + 1)),
        ("hello", [1.0, "a", 2.0, 3.0]),
        ("hello", [1.0, float("nan"), 2.0, 3.0]),
        ("hello", [1.0, float("inf"), 2.0, 3.0]),
        ("hello", {"a": 1}),
        ("hello", "abcd"),
    ],
)
def test_a_passage_of_the_wrong_text_or_vector_is_skipped(text: Any, vector: Any) -> None:
    record = meta(end=len(text)) if isinstance(text, str) else meta()
    assert passage(record, text, vector) is None


def test_a_record_of_another_file_is_skipped() -> None:
    assert passage(meta(sha="cd" * 32)) is None


def test_file_of_checks_the_listing_record() -> None:
    assert file_of(meta()) is not None
    shared = file_of(meta(name="..\\..\\Windows\\System32\\calc.exe", title=7))
    assert shared is not None
    assert shared.name == "calc.exe"
    assert shared.title == ""
    assert file_of(meta(count="2")) is None


def test_pages_rebuilt_from_passages_stay_bounded() -> None:
    """A passage far past the text before it on its page is left out, so rebuilding
    the page cannot take gigabytes; overlapping passages rebuild the page as it was."""
    page = "The notice period is ninety days from the date of the letter."
    pieces = [(0, 30), (21, len(page))]
    good = [passage(meta(count=3, n=n, start=a, end=b), page[a:b]) for n, (a, b) in
            enumerate(pieces)]  # fmt: skip
    far = passage(meta(count=3, n=2, start=len(page) + MAX_GAP + 1,
                       end=len(page) + MAX_GAP + 3), "hi")  # fmt: skip
    kept = bounded([p for p in [*good, far] if p is not None])
    assert [p.n for p in kept] == [0, 1]
    assert page_texts([p.chunk for p in kept]) == {1: page}


def test_a_file_cannot_rebuild_past_its_budget() -> None:
    """One-character passages each as far into its own page as allowed: the file stops
    growing at its budget."""
    pages = MAX_FILE_CHARS // MAX_GAP + 100
    many = [
        passage(
            meta(count=pages, pages=pages, n=n, page=n + 1, start=MAX_GAP, end=MAX_GAP + 1), "x"
        )
        for n in range(pages)
    ]
    kept = bounded([p for p in many if p is not None])
    assert len(many) == pages
    assert 0 < len(kept) < pages
    assert sum(len(t) for t in page_texts([p.chunk for p in kept]).values()) <= MAX_FILE_CHARS


def test_a_colleagues_file_is_never_opened_as_a_local_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "calc.pdf"
    victim.write_bytes(b"%PDF-1.4")
    (tmp_path / "shared:127.0.0.1" / "abcdef").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    shared_path = "shared:127.0.0.1/abcdef/../../calc.pdf"
    assert Path(shared_path).exists()  # as a path it would name the file here
    assert not openable_locally(shared_path)
    assert not openable_locally("calc.pdf")  # relative: not a file indexed here
    assert openable_locally(str(victim))
