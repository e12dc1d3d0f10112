"""A finished summary as Markdown or Word."""

from __future__ import annotations

import time
from pathlib import Path

from hushdesk.assistant.summarize.options import modes
from hushdesk.assistant.summarize.store import SavedSummary
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
    import io

    import docx

    summary = saved.summary
    assert summary is not None
    document = docx.Document()
    document.core_properties.title = f"Summary of {saved.name}"
    document.add_heading(f"Summary of {saved.name}", level=1)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved.updated_at))
    document.add_paragraph().add_run(f"{saved.title} · {saved.model} · {when}").italic = True
    style = modes()[summary.options.mode].style
    heading = None
    paragraph = None
    for statement in summary.statements:
        if statement.heading != heading:
            heading = statement.heading
            paragraph = None
            if heading:
                document.add_heading(heading, level=2)
        ref = f" ({summary.where(statement)})"
        if style == "list" or statement.heading:
            document.add_paragraph(statement.text + ref, style="List Bullet")
        else:
            if paragraph is None:
                paragraph = document.add_paragraph()
            paragraph.add_run(statement.text + ref + " ")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
