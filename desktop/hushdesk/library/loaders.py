"""Loaders, one per file type, run in a child process with a timeout and a memory cap.

A hostile or pathological file (a decompression bomb, an object loop, a parser bug)
then fails alone, with a reason, and the rest of a folder carries on. Every loader
returns pages of text; formats without pages (DOCX, TXT, HTML, EPUB) are cut into
sections on paragraph boundaries so citations stay precise, and spreadsheets (XLSX,
CSV) into their rows, each labelled with its sheet and row (``sheets``). A PDF's tables
are written row by row with their headers (``tables``).
"""

from __future__ import annotations

import html.parser
import logging
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePosixPath
from typing import ClassVar

from hushdesk import isolate
from hushdesk.errors import DocumentError, EncryptedDocument
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.library import recordings, tables
from hushdesk.library.document import MAX_TEXT_CHARS, LoadedDocument, PageText
from hushdesk.library.recordings import is_recording
from hushdesk.library.text import clean, encoding, tidy_pages

log = logging.getLogger("hushdesk.library")

SECTION_CHARS = 3000
LOAD_TIMEOUT_S = 300.0  # scanned pages take OCR time
LOAD_MEMORY_BYTES = 3 << 30
# Readers start with these imported (a fork server's children; see isolate).
isolate.preload("hushdesk.library.loaders", "pypdf", "pypdfium2")
# Zip containers (DOCX, EPUB): what a real document unpacks to, with room to spare. A
# zip bomb (a few KB that inflate to GBs) is refused before anything is inflated.
MAX_UNZIPPED_BYTES = 1 << 30
MAX_ZIP_RATIO = 200  # per member of more than 1 MiB; text compresses ~5-20x
MAX_ZIP_MEMBERS = 20_000
MAX_PIXELS = 40_000_000  # a rendered page (display, OCR): ~A4 at 600 dpi


Loader = Callable[[Path, str | None, bool], LoadedDocument]
LOADERS: dict[str, Loader] = {}


def loader(*suffixes: str) -> Callable[[Loader], Loader]:
    def register(fn: Loader) -> Loader:
        for suffix in suffixes:
            LOADERS[suffix] = fn
        return fn

    return register


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS or is_recording(path)


def load(
    path: Path,
    password: str | None = None,
    *,
    ocr: bool = True,
    timeout_s: float = LOAD_TIMEOUT_S,
    cancel: CancelToken | None = None,
    hearing: recordings.Hearing | None = None,
    progress: ProgressCallback | None = None,
) -> LoadedDocument:
    """Read ``path`` in a child process (a recording: transcribed as ``hearing`` says, a
    window per child, with ``progress``). Raises ``DocumentError`` with a user-facing
    reason."""
    if not supported(path):
        raise DocumentError(f"{path.name}: this file type is not supported.")
    if is_recording(path):
        return recordings.load(path, cancel=cancel, hearing=hearing, progress=progress)
    try:
        return isolate.run_isolated(
            load_here,
            str(path),
            password,
            ocr,
            timeout_s=timeout_s,
            memory_limit_bytes=LOAD_MEMORY_BYTES,
            cancel=cancel,
            nice=5,
        )
    except isolate.IsolatedFailure as exc:
        raise DocumentError(
            f"{path.name} could not be read: the reader {exc.message}. The file may be damaged "
            "or built to break readers; it was skipped.",
            detail=exc.detail,
        ) from exc


def load_here(path: str, password: str | None, ocr: bool) -> LoadedDocument:
    """The loader itself (runs in the child)."""
    file = Path(path)
    try:
        document = LOADERS[file.suffix.lower()](file, password, ocr)
    except DocumentError:
        raise
    except MemoryError:
        raise DocumentError(f"{file.name} is too large or complex to read (memory).") from None
    except Exception as exc:
        raise DocumentError(
            f"{file.name} could not be read ({type(exc).__name__}: {exc}).", detail=repr(exc)
        ) from exc
    texts = [clean(p.text) for p in document.pages]
    if document.paginated:
        texts = tidy_pages(texts)
    document.pages = [
        PageText(p.number, text, p.scanned, clean(p.label))
        for p, text in zip(document.pages, texts, strict=True)
    ]
    if document.text_chars > MAX_TEXT_CHARS:
        raise DocumentError(
            f"{file.name} holds more text than Hushdesk can index "
            f"({document.text_chars:,} characters)."
        )
    if not any(p.text for p in document.pages):
        document.warnings.append("No text could be read from this file.")
    return document


# -- PDF ----------------------------------------------------------------------------------


@loader(".pdf")
def _pdf(path: Path, password: str | None, ocr: bool) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
    except PdfReadError as exc:
        raise DocumentError(f"{path.name} is not a readable PDF ({exc}).") from exc
    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt(password or "")
        except (FileNotDecryptedError, NotImplementedError) as exc:
            raise EncryptedDocument(
                f"{path.name} is encrypted in a way that cannot be opened ({exc})."
            ) from exc
        if not unlocked:
            need = "the password was wrong" if password else "enter its password to add it"
            raise EncryptedDocument(f"{path.name} is password-protected: {need}.")
    title = ""
    try:
        metadata = reader.metadata
        title = str(metadata.get("/Title") or "") if metadata is not None else ""
    except Exception:
        title = ""
    pages: list[PageText] = []
    warnings: list[str] = []
    scanned: list[int] = []
    garbage: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
            text = tables.with_tables(text, partial(page.extract_text, extraction_mode="layout"))
        except Exception as exc:  # one bad page must not lose the others
            warnings.append(f"Page {number} could not be read ({type(exc).__name__}).")
            text = ""
        image_only = len(text.strip()) < 20 and _has_images(page)
        if garbled(text):  # a text layer that says nothing: read the page as an image
            garbage.append(number)
            text, image_only = "", True
        if image_only:
            scanned.append(number)
        pages.append(PageText(number, text, image_only))
    if garbage:
        warnings.append(
            f"The text layer of {_ranges(garbage)} is unreadable (no character map or a "
            "broken encoding)."
        )
    if scanned:
        _ocr_pages(path, pages, scanned, warnings, password if ocr else None, enabled=ocr)
    return LoadedDocument("pdf", title or path.stem, pages, True, warnings)


_CID = re.compile(r"\(cid:\d+\)|/g\d+|/uni[0-9A-F]{4}")
GARBLED_SHARE = 0.2


def garbled(text: str) -> bool:
    """Whether a page's text layer is garbage rather than words: glyph ids where a
    font has no character map ("(cid:12)"), private-use or replacement characters, or
    symbols where letters should be."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < 40:
        return False
    if len(_CID.findall(text)) * 4 >= len(chars) * GARBLED_SHARE:
        return True
    odd = sum(
        unicodedata.category(c) in ("Co", "Cn", "Cs", "Cc", "So") or c == "\ufffd" for c in chars
    )
    readable = sum(c.isalnum() for c in chars)
    return odd > GARBLED_SHARE * len(chars) or readable < 0.5 * len(chars)


def _has_images(page: object) -> bool:
    try:
        resources = page["/Resources"]  # type: ignore[index]
        objects = resources.get("/XObject") or {}
        return any(objects[name].get_object().get("/Subtype") == "/Image" for name in objects)
    except Exception:
        return False


def _ocr_pages(
    path: Path,
    pages: list[PageText],
    numbers: list[int],
    warnings: list[str],
    password: str | None,
    *,
    enabled: bool,
) -> None:
    """Read scanned pages with an offline OCR model when it is installed."""
    reader = _ocr_engine() if enabled else None
    if reader is None:
        warnings.append(
            f"{len(numbers)} page(s) are scanned images ({_ranges(numbers)}) and no text was "
            "read from them"
            + ("" if enabled else " (OCR is off).")
            + ("; install the OCR add-on to read them." if enabled else "")
        )
        return
    import numpy as np
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path), password=password)
    try:
        for number in numbers:
            page = document[number - 1]
            scale = capped_scale(page.get_width(), page.get_height(), 2.0)
            bitmap = page.render(scale=scale).to_pil().convert("RGB")
            result, _ = reader(np.asarray(bitmap))
            lines = [str(item[1]) for item in result or []]
            pages[number - 1] = PageText(number, "\n".join(lines), True)
    finally:
        document.close()
    unread = [n for n in numbers if not pages[n - 1].text.strip()]
    warnings.append(f"Read scanned {_ranges(numbers)} with OCR.")
    if unread:
        warnings.append(f"No text found on scanned page(s) {_ranges(unread)}.")


def _ocr_engine() -> Callable[..., tuple[list[list[object]] | None, object]] | None:
    try:
        import onnxruntime
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    # ONNX Runtime's 1DS telemetry: ORT_DISABLE_TELEMETRY (privacy.OFFLINE_ENV) keeps it
    # from starting at import (no device id, no event queue in ~/.cache); its own switch
    # as well, in case a build reads only that. The child has no network either (sandbox).
    onnxruntime.disable_telemetry_events()
    return RapidOCR()  # type: ignore[no-any-return]


def _ranges(numbers: list[int]) -> str:
    spans, start, previous = [], numbers[0], numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == previous + 1:
            previous = n
            continue
        spans.append(f"{start}" if start == previous else f"{start}–{previous}")
        if n is not None:
            start = previous = n
    label = "page" if len(numbers) == 1 else "pages"
    return f"{label} " + ", ".join(spans)


# -- formats without pages ----------------------------------------------------------------


def sections(text: str, limit: int = SECTION_CHARS) -> list[PageText]:
    """Cut text into sections of about ``limit`` characters at paragraph breaks."""
    out, current = [], ""
    for block in re.split(r"\n\s*\n", text):
        if current and len(current) + len(block) > limit:
            out.append(current)
            current = ""
        rest = block
        while len(rest) > limit * 2:  # one giant paragraph
            out.append(rest[:limit])
            rest = rest[limit:]
        current = f"{current}\n\n{rest}" if current else rest
    if current.strip():
        out.append(current)
    return [PageText(i, t) for i, t in enumerate(out, start=1)]


def decode(data: bytes) -> str:
    return data.decode(encoding(data), errors="replace")


@loader(".txt", ".md", ".markdown", ".text")
def _text(path: Path, _password: str | None, _ocr: bool) -> LoadedDocument:
    text = decode(path.read_bytes())
    kind = "markdown" if path.suffix.lower() in (".md", ".markdown") else "text"
    return LoadedDocument(kind, path.stem, sections(text), paginated=False)


class _HtmlText(html.parser.HTMLParser):
    BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "blockquote",
        "pre",
        "table",
        "ul",
        "ol",
        "hr",
    }
    SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag in self.BLOCKS:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def html_text(markup: str) -> tuple[str, str]:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return parser.title.strip(), "".join(parser.parts)


@loader(".html", ".htm", ".xhtml")
def _html(path: Path, _password: str | None, _ocr: bool) -> LoadedDocument:
    title, text = html_text(decode(path.read_bytes()))
    return LoadedDocument("html", title or path.stem, sections(text), paginated=False)


def check_zip(path: Path) -> None:
    """Refuse a zip container that would inflate to far more than any document."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(f"{path.name} is not a readable document ({exc}).") from exc
    total = sum(m.file_size for m in members)
    ratios = (m.file_size / max(m.compress_size, 1) for m in members if m.file_size > (1 << 20))
    if (
        len(members) > MAX_ZIP_MEMBERS
        or total > MAX_UNZIPPED_BYTES
        or any(r > MAX_ZIP_RATIO for r in ratios)
    ):
        raise DocumentError(
            f"{path.name} would unpack to {total / (1 << 20):,.0f} MB in {len(members):,} "
            "parts, far more than a document holds: it looks like a zip bomb and was not read."
        )


def capped_scale(width_pt: float, height_pt: float, scale: float) -> float:
    """``scale``, lowered so that a page (which may claim any size) renders to at most
    ``MAX_PIXELS``."""
    pixels = max(width_pt, 1.0) * max(height_pt, 1.0) * scale * scale
    return scale if pixels <= MAX_PIXELS else 0.99 * scale * (MAX_PIXELS / pixels) ** 0.5


@loader(".docx")
def _docx(path: Path, _password: str | None, _ocr: bool) -> LoadedDocument:
    import docx

    check_zip(path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"{path.name} is not a readable Word document ({exc}).") from exc
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text for cell in row.cells))
    title = document.core_properties.title or path.stem
    return LoadedDocument("docx", title, sections("\n\n".join(blocks)), paginated=False)


@loader(".epub")
def _epub(path: Path, _password: str | None, _ocr: bool) -> LoadedDocument:
    """EPUB: the chapters in reading order (container.xml → OPF spine)."""
    from defusedxml import ElementTree  # no entity expansion from hostile XML

    check_zip(path)
    try:
        book = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DocumentError(f"{path.name} is not a readable EPUB ({exc}).") from exc
    with book:
        container = ElementTree.fromstring(book.read("META-INF/container.xml"))
        ns = {
            "c": "urn:oasis:names:tc:opendocument:xmlns:container",
            "opf": "http://www.idpf.org/2007/opf",
            "dc": "http://purl.org/dc/elements/1.1/",
        }
        rootfile = container.find(".//c:rootfile", ns)
        if rootfile is None:
            raise DocumentError(f"{path.name} has no table of contents; it is damaged.")
        opf_path = PurePosixPath(rootfile.attrib["full-path"])
        opf = ElementTree.fromstring(book.read(str(opf_path)))
        items = {i.attrib["id"]: i.attrib["href"] for i in opf.iterfind(".//opf:item", ns)}
        title_node = opf.find(".//dc:title", ns)
        pages: list[PageText] = []
        seen: set[str] = set()
        for ref in opf.iterfind(".//opf:itemref", ns):
            href = items.get(ref.attrib.get("idref", ""))
            if not href:
                continue
            name = posixpath.normpath(posixpath.join(str(opf_path.parent), href))
            # Each part is read once: check_zip counted every part once, and a part listed
            # again adds no reading, only work (a 2 KB book that lists one chapter 4,000
            # times would inflate to gigabytes).
            if name in seen:
                continue
            seen.add(name)
            _, text = html_text(decode(book.read(name)))
            if text.strip():
                pages.append(PageText(len(pages) + 1, text))
    title = title_node.text if title_node is not None and title_node.text else path.stem
    return LoadedDocument("epub", title, pages, paginated=False)


@loader(".xlsx", ".xlsm", ".csv", ".tsv")
def _sheet(path: Path, _password: str | None, _ocr: bool) -> LoadedDocument:
    """A spreadsheet: one section per row, labelled with its sheet and row (``sheets``)."""
    from hushdesk.library import sheets

    if path.suffix.lower() in (".csv", ".tsv"):
        found, kind = sheets.csv_records(path), "csv"
    else:
        check_zip(path)  # an XLSX is a zip: a bomb is refused before it is inflated
        found, kind = sheets.xlsx_records(path), "xlsx"
    pages = [PageText(i, r.text, label=r.label) for i, r in enumerate(found.records, start=1)]
    return LoadedDocument(kind, found.title or path.stem, pages, False, found.warnings)
