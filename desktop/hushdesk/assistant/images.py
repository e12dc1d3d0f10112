"""Images a user sends with a message (a photo of a form, a receipt, a whiteboard, a
scanned letter; a PDF page), made safe for the model and for keeping.

An image file is as hostile as any document: it is read in a child with no network,
its memory and time capped (``isolate.run_isolated``), at most ``MAX_PIXELS`` (the
same cap as a rendered page for OCR), turned upright (EXIF), flattened to RGB and
scaled to at most ``LONGEST`` pixels on its long side, then written as a PNG. The model
gets that PNG, never the user's file (no metadata, no GPS position, no second image
hidden in it), and the conversation keeps it, encrypted with the rest. A PDF page is
drawn by the viewer's renderer first.
"""

from __future__ import annotations

import io
from pathlib import Path

from hushdesk.errors import DocumentError
from hushdesk.library.loaders import MAX_PIXELS

KINDS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
SUFFIXES = (*KINDS, ".pdf")  # the files an image can be taken from (a PDF: its page)
MAX_FILE_BYTES = 40 << 20  # a phone's photo is a few MB
LONGEST = 1344  # pixels on the long side: more than today's small vision models take
MAX_IMAGES = 8  # with one message
READ_TIMEOUT_S = 30.0


def from_file(path: Path, page: int = 1) -> bytes:
    """The image in ``path`` (PNG, JPEG, WebP; a PDF's ``page``), ready to send."""
    if path.suffix.lower() == ".pdf":
        from hushdesk.library.render import render

        return prepare(render(str(path), page, "").png, f"{path.name}, page {page}")
    if path.suffix.lower() not in KINDS:
        raise DocumentError(f"{path.name} is not an image Hushdesk reads (PNG, JPEG, WebP or PDF).")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(
                f"{path.name} is {size / 1e6:.0f} MB: images of up to "
                f"{MAX_FILE_BYTES >> 20} MB can be sent."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path.name} could not be read ({exc.strerror}).") from exc
    return prepare(data, path.name)


def prepare(data: bytes, name: str) -> bytes:
    """``data`` (an image file's bytes, e.g. pasted) as the PNG the model gets."""
    from hushdesk.isolate import IsolatedFailure, run_isolated

    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"{name} is larger than {MAX_FILE_BYTES >> 20} MB.")
    try:
        return run_isolated(
            prepare_here, data, name, timeout_s=READ_TIMEOUT_S, memory_limit_bytes=2 << 30
        )
    except IsolatedFailure as exc:
        raise DocumentError(
            f"{name} could not be read as an image: the reader {exc.message}."
        ) from exc


def prepare_here(data: bytes, name: str) -> bytes:
    """``prepare`` in this process (the child)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow refuses more (a decompression bomb)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in KINDS.values():
                raise DocumentError(f"{name} is not a PNG, JPEG or WebP image.")
            if image.width * image.height > MAX_PIXELS:
                raise DocumentError(f"{name} is too large an image ({image.width}×{image.height}).")
            upright = ImageOps.exif_transpose(image) or image
            if "A" in upright.getbands() or upright.mode == "P":  # transparent: on white
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = upright.convert("RGB")
            flat.thumbnail((LONGEST, LONGEST))
            out = io.BytesIO()
            flat.save(out, format="PNG", optimize=False)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise DocumentError(
            f"{name} could not be read as an image ({type(exc).__name__})."
        ) from exc
