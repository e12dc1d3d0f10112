"""Word output: citations as real footnotes that Word, LibreOffice and python-docx read,
and text from hostile documents or models (control characters, markup) written as text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx

from hushdesk.assistant.word import Footnotes, footnotes, xml_safe


def test_footnotes_are_a_related_part_with_marks_in_the_text(tmp_path: Path) -> None:
    document = docx.Document()
    notes = Footnotes(document)
    first = document.add_paragraph("The rent is due monthly.")
    assert notes.add(first, "lease.pdf, p. 3") == 1
    second = document.add_paragraph("The deposit is held apart.")
    assert notes.add(second, "R-FAQ <draft> & co\x01.pdf, p. 14") == 2
    document.save(tmp_path / "notes.docx")

    opened = docx.Document(str(tmp_path / "notes.docx"))
    assert footnotes(opened) == ["lease.pdf, p. 3", "R-FAQ <draft> & co.pdf, p. 14"]
    assert [p.text for p in opened.paragraphs] == [
        "The rent is due monthly.",
        "The deposit is held apart.",
    ]
    with zipfile.ZipFile(tmp_path / "notes.docx") as package:
        body = package.read("word/document.xml").decode()
        types = package.read("[Content_Types].xml").decode()
    assert body.count("<w:footnoteReference ") == 2
    assert 'PartName="/word/footnotes.xml"' in types


def test_text_xml_cannot_hold_is_left_out_not_a_crash() -> None:
    assert xml_safe("a\x00b\x0bc\x1fd\ufffee\tf\ng") == "abcde\tf\ng"
    document = docx.Document()
    document.add_paragraph(xml_safe("Model output with a \x07bell"))
    document.save(io.BytesIO())
    assert footnotes(docx.Document()) == []  # none written: none read
