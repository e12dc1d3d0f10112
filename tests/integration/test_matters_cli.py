"""Matters from the command line, on real parts: two matters each with a library of the
same name never see each other's passages; a temporary chat keeps nothing; deleting a
matter leaves the other answering."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.keys import write_private

pytestmark = pytest.mark.slow

MARKERS = {"Tenant": "PELICAN-41", "Landlord": "HERON-77"}


def run(cmd: list[str], env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [*cmd, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_walls_temporary_chats_and_deleting_a_matter(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    def search(matter: str) -> dict[str, Any]:
        found = run(hushdesk_cmd, cli_env, "search", "--matter", matter, "--library", "docs",
                    "--json", "What is the key safe code?")  # fmt: skip
        return dict(json.loads(found))

    for matter, marker in MARKERS.items():
        run(hushdesk_cmd, cli_env, "matters", "add", matter)
        note = tmp_path / f"{matter.lower()}-note.md"
        note.write_text(
            f"# Access\n\nThe key safe code for the {matter.lower()}'s flat is {marker}. "
            "Keys are collected from the porter on weekdays.\n",
            encoding="utf-8",
        )
        run(hushdesk_cmd, cli_env, "ingest", "--matter", matter, "--library", "docs", str(note))
    listed = json.loads(run(hushdesk_cmd, cli_env, "matters", "list", "--json"))
    assert [m["name"] for m in listed] == ["General", "Landlord", "Tenant"]

    for matter, marker in MARKERS.items():
        text = json.dumps(search(matter))
        assert marker in text
        assert all(m not in text for m in MARKERS.values() if m != marker)  # the wall

    def stored(matter: str) -> int:
        return len(json.loads(run(hushdesk_cmd, cli_env, "chats", "list", "--matter", matter,
                                  "--json")))  # fmt: skip

    run(hushdesk_cmd, cli_env, "chat", "--matter", "Tenant", "--temporary",
        "--max-tokens", "8", stdin="Hello\n/exit\n")  # fmt: skip
    assert stored("Tenant") == 0  # a temporary chat keeps nothing
    run(hushdesk_cmd, cli_env, "chat", "--matter", "Tenant", "--max-tokens", "8",
        stdin="Hello\n/exit\n")  # fmt: skip
    assert stored("Tenant") == 1
    assert stored("Landlord") == 0

    secret = write_private(tmp_path / "secret", "tenant archive passphrase")
    archive = tmp_path / "tenant.hdm"
    run(hushdesk_cmd, cli_env, "matters", "export", "Tenant", "--out", str(archive),
        "--passphrase-file", str(secret))  # fmt: skip
    assert MARKERS["Tenant"].encode() not in archive.read_bytes()  # none of its words
    before = search("Tenant")["sources"][0]
    run(hushdesk_cmd, cli_env, "matters", "delete", "Tenant", "--yes")
    gone = subprocess.run(
        [*hushdesk_cmd, "search", "--matter", "Tenant", "--library", "docs", "key safe code"],
        env=cli_env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert gone.returncode != 0
    assert "no matter called" in gone.stderr
    assert MARKERS["Landlord"] in json.dumps(search("Landlord"))

    run(hushdesk_cmd, cli_env, "matters", "import", str(archive), "--passphrase-file",
        str(secret))  # fmt: skip
    after = search("Tenant")["sources"][0]
    assert (after["file"], after["page"]) == (before["file"], before["page"])
    assert MARKERS["Tenant"] in after["passage"]


def test_the_firms_policy_is_refused_on_the_command_line_with_its_reason(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    rules = tmp_path / "etc-hushdesk" / "policy.toml"
    rules.parent.mkdir()
    rules.write_text(
        'reason = "Smith & Co IT"\ndownloads = false\nremote_servers = []\n'
        "min_retention_days = 30\n",
        encoding="utf-8",
    )
    env = dict(cli_env, HUSHDESK_POLICY_FILE=str(rules))
    for args in (
        ["models", "pull", "qwen2.5-1.5b-instruct"],
        ["connect", "add", "Firm", "https://llm.example.com"],
        ["matters", "retention", "General", "7"],
    ):
        done = subprocess.run([*hushdesk_cmd, *args], env=env, capture_output=True, text=True,
                              timeout=300, check=False)  # fmt: skip
        assert done.returncode == 1, args
        assert "locked by your firm's policy (Smith & Co IT)" in done.stderr, done.stderr
    doctor = subprocess.run([*hushdesk_cmd, "doctor", "--no-generate"], env=env,
                            capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert "no model downloads" in doctor.stdout
