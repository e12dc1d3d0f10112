"""Make the Windows .ico and the macOS .icns from resources/icons/hushdesk.svg.

    .venv/bin/python packaging/icons.py

Run when the icon changes; the results are committed (the build does not need Qt's SVG
renderer on every platform).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]


def render(size: int) -> Image.Image:
    renderer = QSvgRenderer(str(ROOT / "resources" / "icons" / "hushdesk.svg"))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")


def main() -> int:
    _app = QGuiApplication(sys.argv)
    big = render(1024)
    sizes = [(n, n) for n in (16, 24, 32, 48, 64, 128, 256)]
    big.save(ROOT / "packaging" / "windows" / "hushdesk.ico", sizes=sizes)
    big.save(ROOT / "packaging" / "macos" / "hushdesk.icns")
    render(256).save(ROOT / "packaging" / "linux" / "hushdesk.png")
    print("wrote hushdesk.ico, hushdesk.icns, hushdesk.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
