"""``hushdesk grid`` on real parts — the real reader, the real encrypted store, real
embeddings and the bundled starter model: a folder added to a new library and reviewed,
every answered cell citing its own document by page, the JSON holding one object per
document, and a grid killed with SIGKILL while it answers resuming without asking again
the cells it had answered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hushdesk.app import App
from hushdesk.vault import Vault, unlock_without_asking
from tests.integration.test_matters_cli import run

pytestmark = pytest.mark.slow

LEASES = {
    "oak-lease.md": "# Lease of Oak House\n\nThis lease is made between Ada Moss (the landlord) "
    "and Tom Reed (the tenant). The monthly rent is 1,250 euros, paid on the first day of each "
    "month. The lease ends on 31 March 2027.\n",
    "elm-lease.md": "# Lease of Elm Court\n\nThis lease is made between Ben Okoro (the landlord) "
    "and Sara Lind (the tenant). The monthly rent is 980 euros, paid on the fifth day of each "
    "month. The lease ends on 1 June 2028.\n",
    "ash-lease.md": "# Lease of Ash Mews\n\nThis lease is made between Clara Wu (the landlord) "
    "and Ian Fox (the tenant). The monthly rent is 1,640 euros, paid quarterly in advance. "
    "The lease ends on 30 September 2029.\n",
}
COLUMNS = ("Who is the landlord?", "What is the monthly rent?", "When does the lease end?")


def _cells(app: App, grid_id: int) -> dict[tuple[int, int], float]:
    """The cells answered so far, each with when it was written (read beside the CLI)."""
    return {k: c.updated_at for k, c in app.reviews.get(grid_id).cells.items()}


def test_a_grid_cites_each_document_and_resumes_after_a_kill(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "leases"
    folder.mkdir()
    for name, text in LEASES.items():
        (folder / name).write_text(text, encoding="utf-8")
    args = ["grid", "--library", "Leases", "--add", str(folder), "--name", "Leases 2026"]
    for question, kind in zip(COLUMNS, ("text", "amount", "date"), strict=True):
        args += ["--column", question, "--type", kind]
    grid = subprocess.Popen([*hushdesk_cmd, *args], env=cli_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    total = len(LEASES) * len(COLUMNS)
    vault = Vault()
    assert unlock_without_asking(vault)
    app = App(vault=vault)  # reads the store beside the command, as it writes
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and grid.poll() is None:
            time.sleep(0.1)  # a cell of a short document can take well under a second
            try:
                answered = len(_cells(app, 1))
            except Exception:
                continue  # the grid is not made yet
            if 1 <= answered < total:
                os.kill(grid.pid, signal.SIGKILL)
                break
        grid.wait(timeout=60)
        assert grid.returncode == -signal.SIGKILL, "the kill came too late to land mid-grid"
        before = _cells(app, 1)  # a cell being written when the kill came: whole or absent
        assert 1 <= len(before) < total
        out = json.loads(run(hushdesk_cmd, cli_env, "grid", "--resume", "1", "--json"))
        after = _cells(app, 1)
    finally:
        app.close()
    assert len(after) == total
    assert all(after[k] == t for k, t in before.items())  # answered cells not asked again
    assert sorted(d["document"] for d in out["documents"]) == sorted(LEASES)
    for row in out["documents"]:
        assert [c["question"] for c in row["cells"]] == list(COLUMNS)
        for cell in row["cells"]:
            assert cell["state"] in ("answered", "not stated")
            if cell["state"] == "answered":  # cited from its own document, by page
                assert cell["sources"]
                assert all(s["file"] == row["document"] for s in cell["sources"])
                assert all(s["page"] >= 1 for s in cell["sources"])

    run(hushdesk_cmd, cli_env, "grids", "export", "1", "--out", str(tmp_path / "leases.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "leases.xlsx").active
    assert sheet is not None
    assert [sheet.cell(1, c).value for c in range(1, 5)] == ["Document", *COLUMNS]
    listed = json.loads(run(hushdesk_cmd, cli_env, "grids", "list", "--json"))
    assert listed[0]["answered"] == total
