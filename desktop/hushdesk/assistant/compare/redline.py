"""A comparison as a Word redline: both names, the summary, the table of changes, then
the text with every change as a real tracked change.

Lawyers review a redline in Word with Accept / Reject, so deletions and insertions are
written as Word's own revision marks (``w:del`` with ``w:delText``, ``w:ins``; author
"Hushdesk", the time of the export), not as coloured text: Word lists them in its
Reviewing pane and can accept them one by one. python-docx has no API for revisions,
so the runs are built with ``docx.oxml``; the file is read back by python-docx in the
tests to prove it is well formed.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from typing import Any

from hushdesk.assistant.compare.results import Comparison
from hushdesk.assistant.word import xml_safe

AUTHOR = "Hushdesk"
# What XML 1.0 cannot hold (a file name may have it: lxml refuses the whole document).
TABLE_CHARS = 600  # of a wording in the table of changes (the marked text has it all)


def docx_bytes(comparison: Comparison, *, now: float | None = None) -> bytes:
    import docx

    document = docx.Document()
    old, new = xml_safe(comparison.old.name), xml_safe(comparison.new.name)
    document.core_properties.title = f"Comparison of {old} and {new}"
    document.core_properties.author = AUTHOR
    document.add_heading(f"Comparison of {old} and {new}", level=1)
    kinds = Counter(c.kind for c in comparison.changes)
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no changes"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(now))
    meta = document.add_paragraph().add_run(
        f"Old version: {old} · New version: {new} · {counted} · compared {when} by Hushdesk"
    )
    meta.italic = True
    _summary(document, comparison)
    _table(document, comparison)
    document.add_heading("The new version with the changes marked", level=2)
    _marked(document, comparison, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _summary(document: Any, comparison: Comparison) -> None:
    summary = comparison.summary
    if summary is None:
        return
    document.add_heading("Summary of the changes", level=2)
    if not summary.statements:
        document.add_paragraph("The model wrote no statement the changes support.")
    for statement in summary.statements:
        numbers = ", ".join(f"[{n}]" for n in statement.changes)
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(xml_safe(statement.text)).italic = not statement.written
        paragraph.add_run(f" {numbers} ({comparison.statement_pages(statement)})")
    note = f"Written by {xml_safe(summary.model)}; each statement checked against its changes"
    if summary.dropped:
        note += f" ({summary.dropped} that none supported were left out)"
    document.add_paragraph().add_run(
        note + ". Statements in italics are made from the changes themselves."
    ).italic = True


def _table(document: Any, comparison: Comparison) -> None:
    document.add_heading("Changes", level=2)
    if not comparison.changes:
        document.add_paragraph("The two versions say the same (formatting aside).")
        return
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, title in zip(
        table.rows[0].cells,
        ("No.", "Change", "Old page", "Old wording", "New page", "New wording"),
        strict=True,
    ):
        cell.text = title
    old, new = comparison.old, comparison.new
    for n, change in enumerate(comparison.changes, start=1):
        cells = table.add_row().cells
        cells[0].text = str(n)
        cells[1].text = change.kind
        if change.old is not None:
            cells[2].text = old.where(change.old.page, change.old.page)
            cells[3].text = xml_safe(_cut(change.old.text))
        if change.new is not None:
            cells[4].text = new.where(change.new.page, change.new.page)
            cells[5].text = xml_safe(_cut(change.new.text))


def _cut(text: str) -> str:
    return text if len(text) <= TABLE_CHARS else text[:TABLE_CHARS].rsplit(" ", 1)[0] + " …"


def _marked(document: Any, comparison: Comparison, date: str) -> None:
    """The pieces as paragraphs: unchanged text as it is, the rest as revisions."""
    paragraph = None
    revision = 0
    first = True
    for piece in comparison.pieces:
        if paragraph is None or piece.paragraph:
            paragraph, first = document.add_paragraph(), True
        for op, text in piece.words:
            spaced, first = xml_safe(text if first else f" {text}"), False
            if op == "equal":
                paragraph.add_run(spaced)
            else:
                revision += 1
                paragraph._p.append(_revision(op, spaced, revision, date))


def _revision(op: str, text: str, number: int, date: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mark = OxmlElement("w:del" if op == "delete" else "w:ins")
    mark.set(qn("w:id"), str(number))
    mark.set(qn("w:author"), AUTHOR)
    mark.set(qn("w:date"), date)
    run = OxmlElement("w:r")
    body = OxmlElement("w:delText" if op == "delete" else "w:t")
    body.set(qn("xml:space"), "preserve")
    body.text = text
    run.append(body)
    mark.append(run)
    return mark
