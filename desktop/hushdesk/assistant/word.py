"""Word documents: text made fit for their XML, and footnotes — a citation as Word
users expect it ("R-FAQ.pdf, p. 14" at the foot of the page), not a bracket in the text.

The footnotes are hand-written because python-docx, which writes every .docx here, has
none: it reads and writes paragraphs, runs, tables and styles, and leaves the footnotes
part out. This adds that one part (``word/footnotes.xml``, related from the document, with
the two separators Word expects) through python-docx's own package and XML classes, and
a superscript reference per note. Word, LibreOffice and python-docx open the result.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_SEPARATORS = f"""<w:footnotes xmlns:w="{W}">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>
</w:r></w:p></w:footnote></w:footnotes>"""


_CITED = re.compile(r"\s*\[(\d+)\]")  # a citation mark, and the space before it
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot hold (control characters a hostile
    document or a model's output may carry): python-docx refuses them outright."""
    return _NOT_XML.sub("", text)


class Footnotes:
    """The footnotes of one python-docx ``Document``; ``add`` puts a note's mark at the
    end of a paragraph."""

    def __init__(self, document: Any) -> None:
        from docx.opc.packuri import PackURI
        from docx.opc.part import XmlPart
        from docx.oxml import parse_xml

        self._parse = parse_xml
        self._part = XmlPart(
            PackURI("/word/footnotes.xml"),
            CONTENT_TYPE,
            parse_xml(_SEPARATORS),
            document.part.package,
        )
        document.part.relate_to(self._part, RELATIONSHIP)
        self._next = 1

    def add(self, paragraph: Any, text: str) -> int:
        """A note reading ``text``, its mark (a superscript number) after what
        ``paragraph`` holds so far; the note's number."""
        number, self._next = self._next, self._next + 1
        mark = '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        paragraph._p.append(
            self._parse(f'<w:r xmlns:w="{W}">{mark}<w:footnoteReference w:id="{number}"/></w:r>')
        )
        self._part.element.append(
            self._parse(
                f'<w:footnote xmlns:w="{W}" w:id="{number}"><w:p>'
                f"<w:r>{mark}<w:footnoteRef/></w:r>"
                f'<w:r><w:t xml:space="preserve"> {escape(xml_safe(text))}</w:t></w:r>'
                "</w:p></w:footnote>"
            )
        )
        return number


def add_cited(document: Any, notes: Footnotes, text: str, where: dict[int, str]) -> None:
    """``text`` as paragraphs (one per blank-line block), each citation mark ``[n]``
    with ``n`` in ``where`` made a footnote reading ``where[n]``."""
    for block in text.strip().split("\n\n"):
        paragraph = document.add_paragraph()
        for piece in _CITED.split(block):  # text, number, text, number, …
            if piece.isdigit() and int(piece) in where:
                notes.add(paragraph, where[int(piece)])
            elif piece:
                paragraph.add_run(xml_safe(piece))


def footnotes(document: Any) -> list[str]:
    """The footnotes' texts of an opened python-docx ``Document``, in order (for checks)."""
    for rel in document.part.rels.values():
        if rel.reltype == RELATIONSHIP:
            from docx.oxml import parse_xml

            root = parse_xml(rel.target_part.blob)
            notes = [n for n in root if n.get(f"{{{W}}}type") is None]
            return ["".join(t.text or "" for t in n.iter(f"{{{W}}}t")).strip() for n in notes]
    return []
