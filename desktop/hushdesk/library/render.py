"""A document page as the user sees it, with the cited passage marked.

PDF pages are rasterised with PDFium in a child process (a hostile file must not take
the app down) and the passage is found in the page's own text layer; other formats
return the stored section text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from hushdesk.errors import DocumentError
from hushdesk.library.loaders import capped_scale

RENDER_TIMEOUT_S = 30.0
Box = tuple[float, float, float, float]  # left, top, right, bottom in image pixels


@dataclass
class RenderedPage:
    png: bytes
    width: int
    height: int
    page_count: int
    boxes: list[Box] = field(default_factory=list)


def render(
    path: str, page: int, passage: str, password: str | None = None, scale: float = 1.6
) -> RenderedPage:
    from hushdesk.isolate import IsolatedFailure, run_isolated

    try:
        return run_isolated(
            render_here,
            path,
            page,
            passage,
            password,
            scale,
            timeout_s=RENDER_TIMEOUT_S,
            memory_limit_bytes=3 << 30,
        )
    except IsolatedFailure as exc:
        raise DocumentError(f"The page could not be shown: the renderer {exc.message}.") from exc


def render_here(
    path: str, page: int, passage: str, password: str | None, scale: float
) -> RenderedPage:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path, password=password)
    except pypdfium2.PdfiumError as exc:
        raise DocumentError(f"The document could not be opened ({exc}).") from exc
    try:
        count = len(document)
        if not 1 <= page <= count:
            raise DocumentError(f"The document has no page {page}.")
        pdf_page = document[page - 1]
        scale = capped_scale(pdf_page.get_width(), pdf_page.get_height(), scale)
        image = pdf_page.render(scale=scale).to_pil()
        height_pt = pdf_page.get_height()
        boxes = [
            (left * scale, (height_pt - top) * scale, right * scale, (height_pt - bottom) * scale)
            for left, bottom, right, top in _find(pdf_page.get_textpage(), passage)
        ]
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return RenderedPage(buffer.getvalue(), image.width, image.height, count, boxes)
    finally:
        document.close()


_FIELD = re.compile(r"(?:^|; )[^:;]{1,80}: ([^;]+)")


def _find(textpage: object, passage: str) -> list[tuple[float, float, float, float]]:
    """Rectangles of the passage on the page: short runs of its words are searched for,
    since line breaks and hyphenation make the full text rarely match verbatim, and the
    cells of a table's rows (``Tenant: Acme Ltd; Rent: 1,250.00``, as ``tables`` writes
    them), which the page prints without their column names."""
    words = re.findall(r"\S+", passage)
    runs = (" ".join(words[start : start + 5]) for start in range(0, len(words), 5))
    rects: list[tuple[float, float, float, float]] = []
    for fragment in [run for run in runs if len(run) >= 8] + _cells(passage):
        searcher = textpage.search(fragment)  # type: ignore[attr-defined]
        match = searcher.get_next()
        if match is None:
            continue
        index, length = match
        for i in range(textpage.count_rects(index, length)):  # type: ignore[attr-defined]
            rects.append(textpage.get_rect(i))  # type: ignore[attr-defined]
    return rects


def _cells(passage: str) -> list[str]:
    """The values of the table rows in a passage: lines of two or more "Name: value"."""
    cells: list[str] = []
    for line in passage.splitlines():
        values = [v.strip() for v in _FIELD.findall(line)]
        if len(values) >= 2:
            cells += [v for v in values if len(v) >= 3]
    return cells
