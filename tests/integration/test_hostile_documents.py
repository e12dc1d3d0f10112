"""Documents built to exhaust the reader: a zip bomb named .docx or .epub, and a PDF
page that claims a giant size. Each is refused, or read within the caps, quickly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from hushdesk.errors import DocumentError
from hushdesk.library import loaders
from hushdesk.library.render import render

pytestmark = pytest.mark.slow


def bomb(path: Path) -> Path:
    """A few hundred KB that inflate to 60 MB of nothing (a real bomb nests more)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(60):
                member.write(b"\0" * (1 << 20))
    return path


@pytest.mark.parametrize("suffix", [".docx", ".epub"])
def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path, suffix: str) -> None:
    path = bomb(tmp_path / f"report{suffix}")
    assert path.stat().st_size < 1 << 20
    with pytest.raises(DocumentError, match="looks like a zip bomb"):
        loaders.load(path)


def test_a_giant_page_renders_within_the_pixel_cap(tmp_path: Path) -> None:
    from fpdf import FPDF

    document = FPDF(unit="pt", format=(14_400, 14_400))  # 200 x 200 inches, the PDF maximum
    document.add_page()
    document.set_font("helvetica", size=400)
    document.text(100, 1000, "The notice period is three months.")
    path = tmp_path / "giant.pdf"
    document.output(str(path))
    page = render(str(path), 1, "notice period", scale=2.0)  # 28,800 px a side uncapped
    assert page.width * page.height <= loaders.MAX_PIXELS
    assert page.boxes  # the passage is still found on the smaller image
    assert loaders.capped_scale(595, 842, 2.0) == 2.0  # an A4 page is not touched


def echo_book(path: Path, repeats: int) -> Path:
    """A book of a few KB whose spine lists its one chapter ``repeats`` times, half of
    them through other manifest ids and spellings of the same part."""
    chapter = "<p>The notice period is three months.</p>" * 300  # ~12 KB, compresses well
    items = '<item id="c" href="ch.xhtml" media-type="application/xhtml+xml"/>'
    items += '<item id="d" href="./ch.xhtml" media-type="application/xhtml+xml"/>'
    spine = '<itemref idref="c"/><itemref idref="d"/>' * (repeats // 2)
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Echo</dc:title>'
        f"</metadata><manifest>{items}</manifest><spine>{spine}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", container)
        book.writestr("OEBPS/content.opf", opf)
        book.writestr("OEBPS/ch.xhtml", f"<html><body>{chapter}</body></html>")
    return path


def test_an_epub_that_lists_one_chapter_thousands_of_times_reads_it_once(
    tmp_path: Path,
) -> None:
    path = echo_book(tmp_path / "echo.epub", 4000)
    assert path.stat().st_size < 4096  # passes check_zip: every part is small
    document = loaders.load_here(str(path), None, False)
    assert len(document.pages) == 1  # not 4,000 copies (48 MB of text)
    assert "notice period is three months" in document.pages[0].text
    assert document.text_chars < 20_000
