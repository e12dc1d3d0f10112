"""A finished summary as Markdown or Word (its citations footnotes)."""

from __future__ import annotations

import time
from pathlib import Path

from hushdesk.assistant.summarize.options import modes
from hushdesk.assistant.summarize.store import SavedSummary
from hushdesk.assistant.word import Footnotes, xml_safe
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes, atomic_write_text


def export(saved: SavedSummary, path: Path) -> Path:
    """Write the summary as Markdown (.md) or Word (.docx), chosen by the file's suffix."""
    if saved.summary is None:
        raise HushdeskError("This summary is not finished yet; resume it first.")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        atomic_write_bytes(path, _docx(saved))
    elif suffix in (".md", ".markdown", ".txt", ""):
        atomic_write_text(path, saved.markdown())
    else:
        raise HushdeskError(f"Cannot export to {suffix} files: use .md or .docx.")
    return path


def _docx(saved: SavedSummary) -> bytes:
    """Word, each statement's pages a footnote naming the document ("case.pdf, p. 14")."""
    import io

    import docx

    summary = saved.summary
    assert summary is not None
    document = docx.Document()
    notes = Footnotes(document)
    title = xml_safe(f"Summary of {saved.name}")
    document.core_properties.title = title
    document.add_heading(title, level=1)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved.updated_at))
    byline = xml_safe(f"{saved.title} · {saved.model} · {when}")
    document.add_paragraph().add_run(byline).italic = True
    style = modes()[summary.options.mode].style
    heading = None
    paragraph = None
    for statement in summary.statements:
        if statement.heading != heading:
            heading = statement.heading
            paragraph = None
            if heading:
                document.add_heading(xml_safe(heading), level=2)
        if style == "list" or statement.heading:
            paragraph = document.add_paragraph(xml_safe(statement.text), style="List Bullet")
            notes.add(paragraph, f"{saved.name}, {summary.where(statement)}")
            paragraph = None
        else:
            if paragraph is None:
                paragraph = document.add_paragraph()
            paragraph.add_run(xml_safe(statement.text))
            notes.add(paragraph, f"{saved.name}, {summary.where(statement)}")
            paragraph.add_run(" ")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
