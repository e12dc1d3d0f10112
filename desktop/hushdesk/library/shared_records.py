"""What a shared library's server sends, checked before any of it is used: the server
(or anyone who can write to it) is not trusted with this computer's memory, its
questions or its files.

Every record is held to a schema — types, page numbers and offsets within bounds, the
offsets matching the text (as the chunker makes them), text of a bounded length, a
vector of the library's dimension with finite values — and one that fails is skipped
and counted, never allowed to break a sync or a question (one short passage with a
huge page offset once took the app's memory into gigabytes). A file's name becomes a
plain file name: no folders, drive or device names, controls; it names the copy here
and is never opened as a path on this computer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from hushdesk.library.chunker import Chunk

MAX_PAGES = 100_000  # pages of one file
MAX_PASSAGES = 100_000  # passages of one file (a 10,000-page book has ~30,000)
MAX_PASSAGE_CHARS = 20_000  # a passage is ~160 words
MAX_FILE_CHARS = 20_000_000  # a file's pages rebuilt here, all together
MAX_GAP = 16_384  # characters on a page before its first passage, or between two
MAX_NAME = 200
MAX_TITLE = 500
MAX_KIND = 32
MAX_LABEL = 200  # a spreadsheet row's place: "sheet Rents, row 7"
_SHA = re.compile("[0-9a-f]{64}")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_RESERVED_CHARS = re.compile(r'[<>:"|?*]')
_DEVICES = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)", re.I)


@dataclass(frozen=True)
class SharedFile:
    sha256: str
    name: str
    title: str
    kind: str
    pages: int
    paginated: bool
    chunks: int


def safe_name(name: Any) -> str:
    """A file name from a server as a plain name for the copy here: the last part of
    any path (``/`` or ``\\``), no drive, controls, characters Windows refuses, device
    names or leading dots; never empty. ``..\\..\\Windows\\System32\\calc.exe`` is
    ``calc.exe``."""
    text = unicodedata.normalize("NFC", name if isinstance(name, str) else "")
    text = _CONTROLS.sub("", text).replace("\\", "/").rsplit("/", 1)[-1]
    text = re.sub(r"^[A-Za-z]:", "", text)
    text = _RESERVED_CHARS.sub("_", text).strip(" .")
    if len(text) > MAX_NAME:
        _, dot, extension = text.rpartition(".")
        keep = extension if dot and 0 < len(extension) <= 16 else ""
        text = text[: MAX_NAME - len(keep) - 1].rstrip(" .") + (f".{keep}" if keep else "")
    if _DEVICES.fullmatch(text.split(".", 1)[0].strip()):
        text = f"_{text}"
    return text or "document"


def _int(meta: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def plain_text(value: Any, limit: int) -> str:
    """A server's text without controls, at most ``limit`` characters ("" if not text)."""
    return _CONTROLS.sub("", value)[:limit] if isinstance(value, str) else ""


def file_of(meta: Any) -> SharedFile | None:
    """The file a record describes; None when the record does not hold to the schema."""
    if not isinstance(meta, dict):
        return None
    sha = meta.get("sha")
    pages = _int(meta, "pages", 0, MAX_PAGES)
    count = _int(meta, "count", 1, MAX_PASSAGES)
    paginated = meta.get("paginated", True)
    if not (isinstance(sha, str) and _SHA.fullmatch(sha)) or pages is None or count is None:
        return None
    if not isinstance(paginated, bool):
        return None
    return SharedFile(
        sha256=sha,
        name=safe_name(meta.get("name")),
        title=plain_text(meta.get("title"), MAX_TITLE),
        kind=plain_text(meta.get("kind"), MAX_KIND),
        pages=pages,
        paginated=paginated,
        chunks=count,
    )


@dataclass(frozen=True)
class Passage:
    file: SharedFile
    n: int
    chunk: Chunk
    vector: np.ndarray


def passage_of(meta: Any, text: Any, vector: Any, *, sha256: str, dimension: int) -> Passage | None:
    """One passage of the file ``sha256``; None when the record does not hold to the
    schema (its offsets must be the text's span, as the chunker makes them)."""
    shared = file_of(meta)
    if shared is None or shared.sha256 != sha256 or not isinstance(text, str):
        return None
    n = _int(meta, "n", 0, shared.chunks - 1)
    page = _int(meta, "page", 0, MAX_PAGES)
    start = _int(meta, "start", 0, MAX_FILE_CHARS)
    end = _int(meta, "end", 0, MAX_FILE_CHARS)
    if n is None or page is None or start is None or end is None:
        return None
    if not 0 < len(text) <= MAX_PASSAGE_CHARS or end - start != len(text):
        return None
    try:
        row = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError, OverflowError):
        return None
    if (
        row.shape != (dimension,)
        or not np.isfinite(row).all()
        or not math.isfinite(float(np.linalg.norm(row)))
    ):
        return None
    label = plain_text(meta.get("label"), MAX_LABEL)  # older records have none
    return Passage(shared, n, Chunk(page, start, end, text, label), row)


def bounded(passages: list[Passage]) -> list[Passage]:
    """Passages in order whose pages can be rebuilt within bounds: each starts at most
    ``MAX_GAP`` characters past the text before it on its page, and all the pages
    together stay under ``MAX_FILE_CHARS``. The others are left out."""
    kept: list[Passage] = []
    reach: dict[int, int] = {}  # how far each page's text goes so far
    total = 0
    seen: set[int] = set()
    for passage in sorted(passages, key=lambda p: (p.chunk.page, p.chunk.start, p.n)):
        c = passage.chunk
        covered = reach.get(c.page, 0)
        grows = max(0, c.end - covered)
        if passage.n in seen or c.start > covered + MAX_GAP or total + grows > MAX_FILE_CHARS:
            continue
        seen.add(passage.n)
        reach[c.page] = max(covered, c.end)
        total += grows
        kept.append(passage)
    return sorted(kept, key=lambda p: p.n)
