"""PDF from Markdown: a conversation's or a summary's export laid out and printed by Qt
(A4, the light theme's colours on paper), through the same safe document as the screen:
nothing in the text loads a file or an address."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPageSize, QPdfWriter

from hushdesk.errors import HushdeskError
from hushdesk.ui.markdown import MarkdownRenderer
from hushdesk.ui.safe_text import SafeTextDocument
from hushdesk.ui.theme import colours, palette
from hushdesk.ui.widgets.chat_view import theme_from_palette


def markdown_pdf(markdown: str, title: str, path: Path) -> Path:
    document = SafeTextDocument()
    renderer = MarkdownRenderer(theme_from_palette(palette(colours("light"))))  # paper
    document.setHtml(renderer.render(markdown).html)
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    document.print_(writer)
    if not path.exists():
        raise HushdeskError(f"Could not write {path.name}.")
    return path
