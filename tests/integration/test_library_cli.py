"""``hushdesk ingest|search|ask --library`` as a user runs them, on real parts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests import documents
from tests.integration.test_library import FACTS, contract
from tests.keys import connect, vault_key

pytestmark = pytest.mark.slow


def run(
    cmd: list[str], env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_ingest_search_and_ask_with_sources(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    contract(folder / "lease.pdf")
    documents.loop_pdf(folder / "broken.pdf")
    out = run(hushdesk_cmd, cli_env, "ingest", str(folder), "--library", "Work", "--json")
    assert out.returncode == 1  # one file failed
    rows = {Path(r["path"]).name: r for r in map(json.loads, out.stdout.splitlines())}
    assert rows["lease.pdf"]["status"] == "done"
    assert rows["broken.pdf"]["status"] == "failed"
    assert rows["broken.pdf"]["detail"]

    found = json.loads(
        run(
            hushdesk_cmd,
            cli_env,
            "search",
            "--library",
            "Work",
            "--json",
            "How long is the notice period?",
        ).stdout
    )
    assert not found["abstain"]
    assert found["sources"][0]["page"] == 3

    queries = tmp_path / "queries.txt"
    queries.write_text("boiler maintenance fee\nwhere are disputes settled\n")
    lines = run(
        hushdesk_cmd, cli_env, "search", "--library", "Work", "--queries", str(queries)
    ).stdout.splitlines()
    pages = [json.loads(line)["sources"][0]["page"] for line in lines]
    assert pages == [7, 12]

    answer = run(
        hushdesk_cmd,
        cli_env,
        "ask",
        "--library",
        "Work",
        "--json",
        "--seed",
        "1",
        "How long is the notice period?",
    )
    assert answer.returncode == 0, answer.stderr
    data = json.loads(answer.stdout)
    assert data["answer"].strip()
    assert data["sources"][0]["page"] == 3
    assert FACTS[3] in data["sources"][0]["passage"]

    unrelated = run(
        hushdesk_cmd,
        cli_env,
        "ask",
        "--library",
        "Work",
        "--json",
        "What is the boiling point of liquid nitrogen?",
    )
    data = json.loads(unrelated.stdout)
    assert data["answer"] == "I could not find this in your documents."
    assert data["sources"] == []


def _store_snapshot(home: Path) -> list[tuple[object, ...]]:
    with connect(home / "data" / "library.sqlite", vault_key("library", home)) as db:
        rows = db.execute(
            "SELECT f.path, f.status, c.page, c.start, c.end, c.text FROM chunks c "
            "JOIN files f ON f.id = c.file_id ORDER BY f.path, c.page, c.start"
        ).fetchall()
    db.close()
    return rows


def test_kill_9_during_ingestion_then_resume_gives_the_same_store(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(8):
        contract(folder / f"contract-{i}.pdf", pages=60)
    killed_env = dict(cli_env)
    process = subprocess.Popen(
        [*hushdesk_cmd, "ingest", str(folder), "--library", "Work"],
        env=killed_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the first file is done: we are mid-folder
    assert first.startswith("✓")
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    home = Path(cli_env["HUSHDESK_HOME"])
    with connect(home / "data" / "library.sqlite", vault_key("library", home)) as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM files")]
    db.close()
    assert "done" in statuses
    assert set(statuses) != {"done"}  # interrupted for real

    # Nothing half-indexed is visible while it is interrupted.
    found = json.loads(
        run(hushdesk_cmd, cli_env, "search", "--library", "Work", "--json", "notice period").stdout
    )
    for source in found["sources"]:
        assert Path(source["file"]).name in {
            Path(r[0]).name for r in _store_snapshot(home) if r[1] == "done"
        }

    resumed = run(hushdesk_cmd, cli_env, "ingest", str(folder), "--library", "Work")
    assert resumed.returncode == 0, resumed.stderr
    interrupted_then_resumed = _store_snapshot(home)

    clean_env = dict(cli_env, HUSHDESK_HOME=str(tmp_path / "clean"))
    clean = run(hushdesk_cmd, clean_env, "ingest", str(folder), "--library", "Work")
    assert clean.returncode == 0, clean.stderr
    assert interrupted_then_resumed == _store_snapshot(tmp_path / "clean")
    assert {r[1] for r in interrupted_then_resumed} == {"done"}


def test_ingest_watch_follows_new_and_deleted_files(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``hushdesk ingest --watch``: the same Indexing service as the app, polling."""
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "first.md").write_text("# First\n\nThe boiler is serviced every March.\n")
    process = subprocess.Popen(
        [*hushdesk_cmd, "ingest", str(folder), "--library", "Watched", "--watch", "--json"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:

        def next_event() -> dict[str, str]:
            """The next change (files a rescan finds unchanged are reported too)."""
            while True:
                line = process.stdout.readline()  # type: ignore[union-attr]
                assert line, process.stderr.read() if process.stderr else "no output"
                event = dict(json.loads(line))
                if event["status"] != "unchanged":
                    return event

        first = next_event()
        assert (Path(first["path"]).name, first["status"]) == ("first.md", "done")
        (folder / "second.md").write_text("# Second\n\nThe lift is inspected in June.\n")
        event = next_event()
        assert (Path(event["path"]).name, event["status"]) == ("second.md", "done")
        (folder / "first.md").unlink()
        event = next_event()
        assert (Path(event["path"]).name, event["status"]) == ("first.md", "removed")
    finally:
        process.send_signal(signal.SIGINT)
        _out, _err = process.communicate(timeout=60)
    assert process.returncode == 0
    found = run(hushdesk_cmd, cli_env, "search", "--library", "Watched", "--json", "lift")
    sources = json.loads(found.stdout)["sources"]
    assert {Path(s["file"]).name for s in sources} == {"second.md"}
