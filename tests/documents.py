"""Documents made on the fly for tests: real PDFs (fpdf2, pypdf), hostile ones, others."""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import Path


def pdf(path: Path, pages: list[str], *, title: str = "") -> Path:
    from fpdf import FPDF

    document = FPDF()
    document.set_auto_page_break(True, margin=15)
    if title:
        document.set_title(title)
    for text in pages:
        document.add_page()
        document.set_font("helvetica", size=11)
        document.multi_cell(0, 6, text)
    document.output(str(path))
    return path


def printed_pdf(path: Path, title: str, text: str, *, footer: str = "Page {n}") -> Path:
    """A long text as a printed document: A4 pages with a running title at the top and
    "Page N" (``footer``, {n} the page) at the foot, as real reports and contracts have."""
    from fpdf import FPDF

    class Printed(FPDF):
        def header(self) -> None:
            self.set_font("helvetica", size=8)
            self.cell(0, 8, title, align="R")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("helvetica", size=8)
            self.cell(0, 8, footer.format(n=self.page_no()), align="C")

    document = Printed()
    document.set_auto_page_break(True, margin=18)
    document.add_page()
    document.set_font("helvetica", size=10)
    document.multi_cell(0, 5, text.encode("latin-1", "replace").decode("latin-1"))
    document.output(str(path))
    return path


def edited(text: str, edits: list[tuple[str, str]]) -> str:
    """``text`` with each (old, new) edit made once; the old wording is matched across
    line breaks and must stand exactly once."""
    for before, after in edits:
        pattern = r"\s+".join(re.escape(word) for word in before.split())
        found = list(re.finditer(pattern, text))
        assert len(found) == 1, f"{before!r} stands {len(found)} times"
        text = text[: found[0].start()] + after + text[found[0].end() :]
    return text


def planted(change: object, old: str, new: str, kind: str) -> bool:
    """Whether a comparison's ``change`` is the edit (``old`` → ``new``) planted by
    ``edited``: its kind, and its wordings hold what the edit took out and put in."""
    from hushdesk.assistant.compare import Change, key

    assert isinstance(change, Change)
    a, b = old.split(), new.split()
    while a and b and a[0] == b[0]:
        a, b = a[1:], b[1:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    old_text = key(change.old.text) if change.old else ""
    new_text = key(change.new.text) if change.new else ""
    return change.kind == kind and key(" ".join(a)) in old_text and key(" ".join(b)) in new_text


def reflowed(text: str, width: int, *, hyphenate: int = 0) -> str:
    """The same words laid out again: every paragraph wrapped at ``width`` characters,
    and the first ``hyphenate`` long words that start a line broken with a hyphen at the
    end of the line before (what a typesetter does)."""
    import textwrap

    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += [*textwrap.wrap(paragraph, width), ""]
    for i in range(len(lines) - 1):
        if hyphenate <= 0:
            break
        first, _, rest = lines[i + 1].partition(" ")
        if lines[i] and re.fullmatch(r"[a-z]{9,}", first):
            lines[i] += f" {first[:4]}-"
            lines[i + 1] = f"{first[4:]} {rest}".strip()
            hyphenate -= 1
    return "\n".join(lines)


def real_text(name: str) -> str:
    """A real legal text no one here wrote: a licence from Debian's base-files (an
    essential package, on every Debian and Ubuntu system)."""
    path = Path("/usr/share/common-licenses") / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install Debian's base-files package")
    return path.read_text(encoding="utf-8")


# Typographic quotes and dashes of GNU manuals, written as the latin-1 PDF can print them.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "--",
        "\u2026": "...",
    }
)
_INFO_NOISE = re.compile(
    r"^(File: .*Node: .*|\* Menu:.*|\* .*::.*|\* .*\(line +\d+\)\s*|Tag Table:.*|"
    r"Node: .*\x7f\d+|Ref: .*\x7f\d+|End Tag Table|Local Variables:|coding: .*|End:)$"
)


def info_to_text(raw: str) -> str:
    """An Info manual as its reader shows it: without the node separators, node lines,
    menus, index entries and tag table (what a PDF of the manual would not print), its
    typographic quotes and dashes as the latin-1 PDF can print them."""
    lines = []
    raw = raw.replace("\x00\x08[index\x00\x08]", "")  # an index entry's hidden anchor
    for line in raw.replace("\x1f", "\n").splitlines():
        if _INFO_NOISE.match(line):
            continue
        lines.append(line.rstrip())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    return text.translate(_PLAIN)


def real_manual(name: str) -> str:
    """A real technical manual no one here wrote: a GNU Info manual that Debian's
    essential packages install (grep, sed, gzip), as its reader shows it."""
    path = Path("/usr/share/info") / f"{name}.info.gz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install Debian's {name} package")
    return info_to_text(gzip.decompress(path.read_bytes()).decode("utf-8"))


def scanned_pdf(path: Path, text: str, *, text_layer: str = "") -> Path:
    """One page that is only a picture of text (what a scanner produces); with
    ``text_layer``, that text lies invisibly over the picture (a scanner's own OCR, or a
    font without a character map)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1400, 400), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 48)
    except OSError:
        font = ImageFont.load_default(size=48)
    draw.text((40, 150), text, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    document = FPDF()
    document.add_page()
    document.image(buffer, x=10, y=20, w=190)
    if text_layer:
        document.set_font("helvetica", size=10)
        document.set_text_color(255, 255, 255)
        document.set_xy(10, 100)
        document.multi_cell(0, 5, text_layer)
    document.output(str(path))
    return path


def encrypted_pdf(path: Path, text: str, password: str, algorithm: str = "RC4-128") -> Path:
    """An encrypted PDF; an empty ``password`` makes one that opens without asking (only
    its permissions are locked), as many published PDFs are."""
    from pypdf import PdfReader, PdfWriter

    plain = pdf(path.with_suffix(".plain.pdf"), [text])
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm=algorithm)
    with path.open("wb") as out:
        writer.write(out)
    plain.unlink()
    return path


def raw_pdf(path: Path, objects: list[bytes]) -> Path:
    """A PDF assembled by hand from numbered objects (1 0 obj … endobj), with an xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(bytes(out))
    return path


def bomb_pdf(path: Path, gigabytes: int = 2) -> Path:
    """A page whose content stream inflates from ~2 MB to gigabytes."""
    compressor = zlib.compressobj(9)
    block = b"0 0 m\n" * (1 << 18)
    data = b"".join(compressor.compress(block) for _ in range(int(gigabytes * 1024 / 1.5)))
    data += compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return raw_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            stream,
        ],
    )


def loop_pdf(path: Path) -> Path:
    """A page tree whose node lists itself as its own child."""
    return raw_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ],
    )


def docx_file(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Memo"
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Fee"
    table.rows[0].cells[1].text = "480 euros"
    document.save(str(path))
    return path


def epub_file(path: Path, chapters: list[str]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip")
        book.writestr(
            "META-INF/container.xml",
            (
                '<?xml version="1.0"?><container version="1.0" '
                'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                '<rootfile full-path="OEBPS/content.opf" '
                'media-type="application/oebps-package+xml"/>'
                "</rootfiles></container>"
            ),
        )
        items = "".join(
            f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
            for i in range(len(chapters))
        )
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
        book.writestr(
            "OEBPS/content.opf",
            (
                '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
                '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Handbook</dc:title>'
                f"</metadata><manifest>{items}</manifest><spine>{spine}</spine></package>"
            ),
        )
        for i, text in enumerate(chapters):
            book.writestr(
                f"OEBPS/c{i}.xhtml",
                f"<html><body><h1>Chapter {i + 1}</h1><p>{text}</p></body></html>",
            )
    return path


CASE_FACTS = {
    3: "Alice Marlow signed the Orion supply contract on 3 March 2021 for 250,000 euros.",
    31: "The Tromsø warehouse flooded on 14 October 2022, destroying 1,200 crates of Orion parts.",
    58: "Judge Okafor ordered Kestrel Logistics to pay 48,000 euros by 1 December 2025.",
}
_WHO = (
    "The committee",
    "The tenant",
    "The supplier",
    "The review board",
    "The council",
    "The project team",
    "The auditor",
    "The office manager",
    "The legal team",
)
_DID = ("discussed", "reviewed", "considered", "noted", "examined", "summarised", "revisited")
_WHAT = (
    "the maintenance schedule for the office building",
    "routine staffing matters",
    "the quarterly newsletter",
    "general questions about parking",
    "the cleaning rota",
    "minor updates to the filing system",
    "the arrangements for the annual picnic",
    "the heating of the meeting rooms",
    "the order of printer paper",
    "the replacement of worn carpets",
    "the layout of the reception area",
)


def case_file(
    path: Path, pages: int = 60, facts: dict[int, str] | None = None, *, per_page: int = 9
) -> Path:
    """A long PDF of routine minutes with a few facts that matter on known pages."""
    import random

    rng = random.Random(pages)
    facts = CASE_FACTS if facts is None else facts
    texts = []
    for number in range(1, pages + 1):
        sentences = [
            f"{rng.choice(_WHO)} {rng.choice(_DID)} {rng.choice(_WHAT)}." for _ in range(per_page)
        ]
        if number in facts:
            sentences.insert(4, facts[number])
        texts.append(f"Minutes, meeting {number}\n\n" + " ".join(sentences))
    return pdf(path, texts, title="Case file")


def table_pdf(path: Path, before: str, rows: list[tuple[str, ...]], after: str) -> Path:
    """A page of prose, a ruled table (its first row the header; figures set right, as
    accounts print them), and more prose."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=11)
    document.multi_cell(0, 6, before)
    document.ln(4)
    align = tuple("RIGHT" if any(c.isdigit() for c in cell) else "LEFT" for cell in rows[1])
    with document.table(text_align=align) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    document.ln(4)
    document.multi_cell(0, 6, after)
    document.output(str(path))
    return path
