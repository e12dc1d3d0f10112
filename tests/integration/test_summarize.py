"""The summarizer on the real starter model, real PDFs, real SQLite."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import docx
import pytest

from hushdesk.app import App
from hushdesk.assistant import word
from hushdesk.assistant.summarize import Options
from hushdesk.assistant.summarize.sources import from_file as source_from_file
from tests.documents import CASE_FACTS, case_file, pdf
from tests.keys import connect, vault_key

pytestmark = pytest.mark.slow


def test_a_60_page_pdf_is_covered_beginning_middle_and_end_with_pages(tmp_path: Path) -> None:
    source = source_from_file(case_file(tmp_path / "case.pdf", pages=60))
    app = App()
    try:
        saved = app.summaries.run(source, Options(mode="brief"))
    finally:
        app.close()
    assert saved.status == "done"
    assert saved.summary is not None
    stats = saved.summary.stats
    assert not stats.single_pass
    assert stats.sections >= 3
    text = saved.markdown()
    for page, fact in CASE_FACTS.items():
        name = fact.split()[0] if page != 31 else "Tromsø"
        refs = list(re.finditer(rf"{name}[^()]*\((pp?\. [\d–]+)\)", text))
        assert refs, f"nothing from page {page} in:\n{text}"
        first, _, last = refs[0].group(1).split(" ", 1)[1].partition("–")
        assert int(first) <= page <= int(last or first)
    for statement in saved.summary.statements:  # every statement has its pages
        assert 1 <= statement.first <= statement.last <= 60


def test_a_document_smaller_than_the_context_takes_one_pass(tmp_path: Path) -> None:
    source = source_from_file(
        pdf(
            tmp_path / "short.pdf",
            [
                "Alice Marlow signed the Orion supply contract on 3 March 2021 for 250,000 euros. "
                "The contract runs for three years.",
                "Kestrel Logistics must deliver the first 400 crates by 1 June 2021.",
            ],
        )
    )
    app = App()
    try:
        saved = app.summaries.run(source, Options(mode="action-items", length="short"))
        word_file = docx.Document(str(app.summaries.export(saved, tmp_path / "s.docx")))
    finally:
        app.close()
    assert saved.summary is not None
    notes = word.footnotes(word_file)  # the citations, as Word users expect them
    assert notes
    assert all(re.fullmatch(r"short\.pdf, pp?\. [12](–2)?", n) for n in notes), notes
    stats = saved.summary.stats
    assert stats.single_pass
    assert stats.model_calls == 1
    assert saved.summary.statements, saved.markdown()
    assert all(s.first in (1, 2) for s in saved.summary.statements)


def test_kill_9_mid_map_then_resume_does_not_redo_finished_parts(
    tmp_path: Path, cli_env: dict[str, str], hushdesk_cmd: list[str], hushdesk_home: Path
) -> None:
    document = case_file(tmp_path / "case.pdf", pages=60)
    command = [*hushdesk_cmd, "summarize", str(document), "--mode", "key-points"]
    log = tmp_path / "first.log"
    with log.open("wb") as stderr:
        first = subprocess.Popen(
            command, env=cli_env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    finished_before_kill = 0
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and first.poll() is None:
            finished_before_kill = _map_steps(hushdesk_home)
            if finished_before_kill >= 2:
                break
            time.sleep(0.2)
        assert finished_before_kill >= 2, log.read_text(errors="replace")
        os.killpg(first.pid, signal.SIGKILL)  # the app and its model process, no goodbye
    finally:
        first.wait(30)
    assert first.returncode == -signal.SIGKILL

    out = tmp_path / "summary.md"
    again = subprocess.run(
        [*command, "--out", str(out)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    reused = int(re.search(r"(\d+) steps reused", again.stderr).group(1))  # type: ignore[union-attr]
    sections = int(re.search(r"(\d+) parts", again.stderr).group(1))  # type: ignore[union-attr]
    calls = int(re.search(r"(\d+) model calls", again.stderr).group(1))  # type: ignore[union-attr]
    copied = int(re.search(r"of (\d+) copied points", again.stderr).group(1))  # type: ignore[union-attr]
    assert reused >= finished_before_kill
    # the rest of the map, the reduce, and saying copied points again
    assert calls <= sections - finished_before_kill + 2 + copied
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Summary of case.pdf")
    assert "(p. 58)" in text

    listed = subprocess.run(
        [*hushdesk_cmd, "summarize", "--list"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "done" in listed.stdout
    assert "Key points" in listed.stdout


def _map_steps(home: Path) -> int:
    found = list(home.rglob("summaries.sqlite"))
    if not found:
        return 0
    try:
        with connect(found[0], vault_key("summaries")) as db:
            return int(db.execute("SELECT count(*) FROM steps WHERE kind = 'map'").fetchone()[0])
    except Exception:
        return 0
