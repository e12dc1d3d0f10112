"""Make the welcome's sample document, resources/samples/<file>, from sample.toml.

    .venv/bin/python packaging/sample_document.py

The PDF is committed (the app does not need fpdf2); run this after changing the text.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


def main() -> None:
    sample = tomllib.loads((SAMPLES / "sample.toml").read_text(encoding="utf-8"))
    document = FPDF()
    document.set_title(sample["title"])
    document.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # the same bytes each run
    for number, text in enumerate(sample["pages"], start=1):
        document.add_page()
        document.set_font("helvetica", size=11)
        document.multi_cell(0, 6, text.strip())
        document.set_auto_page_break(False)  # the footer stays on its page
        document.set_y(-15)
        document.set_font("helvetica", size=8)
        document.cell(0, 8, f"Page {number}", align="C")
        document.set_auto_page_break(True, margin=20)
    document.output(str(SAMPLES / sample["file"]))


if __name__ == "__main__":
    main()
