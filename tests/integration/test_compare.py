"""``hushdesk compare`` as a user runs it (a real process), and the summary of the
changes on the real starter model: whatever it writes, what is kept cites a change
that backs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.assistant.compare.summary import SAYING
from hushdesk.assistant.evidence import Evidence, Unit
from tests.documents import edited, printed_pdf, real_text, reflowed
from tests.unit.test_compare import EDITS, found_and_spurious

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    licence = real_text("Apache-2.0")
    folder = tmp_path_factory.mktemp("compare")
    old = printed_pdf(folder / "old.pdf", "Apache License 2.0 - terms", licence)
    changed = reflowed(edited(licence, [(o, n) for o, n, _ in EDITS]), 62, hyphenate=3)
    new = printed_pdf(folder / "new \x1b[31mred.pdf", "APACHE v2", changed, footer="- {n} -")
    return old, new


def test_the_command_lists_the_changes_as_json_and_saves_a_redline(
    hushdesk_cmd: list[str], cli_env: dict[str, str], versions: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = versions
    out = tmp_path / "redline.docx"
    args = [str(old), str(new), "--no-summary"]
    done = subprocess.run(
        [*hushdesk_cmd, "compare", *args, "--json", "--out", str(out)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["old"] == "old.pdf"
    assert data["summary"] is None
    kinds = [c["kind"] for c in data["changes"]]
    assert sorted(kinds) == sorted(kind for _, _, kind in EDITS)
    first = data["changes"][0]
    assert set(first) == {"kind", "old", "new"}
    assert first["old"]["page"] == 1
    assert "fifty percent" in first["old"]["text"]
    assert "forty percent" in first["new"]["text"]
    assert out.is_file()

    shown = subprocess.run(
        [*hushdesk_cmd, "compare", *args],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout  # the file name's escape sequence is made harmless
    assert "5 changes" in shown.stdout
    assert "[2] removed (old p. 2 / new —)" in shown.stdout
    assert "fifty … (50%) → forty … (40%)" in shown.stdout


def test_the_starter_models_summary_cites_the_changes_it_rests_on(
    versions: tuple[Path, Path],
) -> None:
    app = App()
    try:
        result = app.compare.run(*versions)
    finally:
        app.close()
    assert found_and_spurious(result.changes) == (len(EDITS), [])
    assert result.summary is not None
    assert result.summary.model.startswith("SmolLM2")
    assert result.summary.statements  # the model's, or made from the changes it left out
    for statement in result.summary.statements:
        assert statement.changes
        assert all(1 <= n <= len(result.changes) for n in statement.changes)
        if statement.written:  # the model's own words: backed by the changes it cites
            units = [
                Unit(side.text, n, n)
                for n in statement.changes
                for side in (result.changes[n - 1].old, result.changes[n - 1].new)
                if side is not None
            ]
            assert Evidence(units).holds(statement.text, SAYING) is not None
