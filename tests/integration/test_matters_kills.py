"""kill -9 during a matter's export, import, deletion and a retention pass, at random
moments (a campaign of 16 kills): afterwards every matter is either wholly there, its
stores passing SQLite's integrity check, or wholly gone; nothing half-imported is
listed, and no folder is left without its key after the next start."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hushdesk import paths
from hushdesk.app import App
from hushdesk.services.handover import check_archive
from hushdesk.services.matters import Matters, MatterStores
from hushdesk.vault import Vault, unlock_without_asking
from tests.fakes import FakeEngine
from tests.keys import fill_every_store, write_private

pytestmark = pytest.mark.slow

SECRET = "archive passphrase 1"
KILLS_PER_ACTION = 4
CONVERSATIONS = 2_000


def _filled(name: str) -> None:
    """A matter with something in every store, and 2,000 conversations ten days old (the
    export, import and retention have work that a kill can land inside)."""
    from hushdesk.assistant.chat_store import NewMessage

    app = App(engine=FakeEngine())
    try:
        app.matters.add(name)
        app.open_matter(name)
        fill_every_store(app, "Walrus")
        old = time.time() - 10 * 86_400
        said = [NewMessage("user", "Walrus question " * 40), NewMessage("assistant", "Answer")]
        for n in range(CONVERSATIONS):
            app.conversations.store.add_whole(f"Walrus {n}", old, old, said)
    finally:
        app.close()


def _keep_one_day(name: str) -> None:
    vault = Vault()
    assert unlock_without_asking(vault)
    matters = Matters(vault)
    matters.set_retention(matters.get(name), 1)


def _check_whole() -> list[str]:
    """Every listed matter opens and passes the integrity check; no orphan is left."""
    vault = Vault()
    assert unlock_without_asking(vault)
    matters = Matters(vault)  # a start: removes what has no key
    names = []
    for matter in matters.list():
        stores = MatterStores.open(
            lambda s, m=matter: matters.store_key(m, s),
            lambda s, m=matter: matters.store_path(m, s),
        )
        try:
            for store in stores.by_name().values():
                assert store.integrity_ok(), matter.name
            if matter.name.startswith("Imported"):
                whole = CONVERSATIONS + 1
                assert len(stores.conversations.conversations()) == whole, matter.name
        finally:
            stores.close()
        names.append(matter.name)
    known = {m.id for m in matters.list()}
    left = (
        {p.name for p in paths.matters_dir().iterdir()} if paths.matters_dir().exists() else set()
    )
    assert left <= known
    return names


KILLED: list[bool] = []  # whether each run was still at work when the kill came


def _killed(cmd: list[str], env: dict[str, str], *args: str, within_s: float) -> None:
    process = subprocess.Popen(
        [*cmd, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(within_s)
    running = process.poll() is None
    if running:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    KILLED.append(running)


def _timed(cmd: list[str], env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


def test_kill_9_during_export_import_delete_and_retention_leaves_no_half_matter(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(7)
    secret = write_private(tmp_path / "secret", SECRET)
    archive = tmp_path / "walrus.hdm"
    run = (hushdesk_cmd, cli_env)
    _filled("Walrus")
    # How long each takes whole, so that each kill lands while it works.
    export_s = _timed(*run, "matters", "export", "Walrus", "--out", str(archive),
                      "--passphrase-file", str(secret))  # fmt: skip
    import_s = _timed(*run, "matters", "import", str(archive), "--name", "Timed",
                      "--passphrase-file", str(secret))  # fmt: skip
    _timed(*run, "matters", "delete", "Timed", "--yes")
    _filled("Timed victim")
    delete_s = _timed(*run, "matters", "delete", "Timed victim", "--yes")
    _filled("Timed kept")
    _keep_one_day("Timed kept")
    prune_s = _timed(*run, "matters", "list")

    def at(whole_s: float) -> float:
        return rng.uniform(0.4, 0.95) * whole_s

    kills = 0
    for _round in range(KILLS_PER_ACTION):
        out = tmp_path / f"again-{kills}.hdm"
        _killed(*run, "matters", "export", "Walrus", "--out", str(out),
                "--passphrase-file", str(secret), within_s=at(export_s))  # fmt: skip
        kills += 1
        # Only ever there whole: renamed into place once complete (a kill that lands
        # after the rename, while the command winds down, leaves a whole archive).
        assert not out.exists() or check_archive(out, SECRET) == "Walrus"
        _check_whole()
        _killed(*run, "matters", "import", str(archive), "--name", f"Imported {kills}",
                "--passphrase-file", str(secret), within_s=at(import_s))  # fmt: skip
        kills += 1
        _check_whole()
        victim = f"Victim {kills}"
        _filled(victim)
        _killed(*run, "matters", "delete", victim, "--yes", within_s=at(delete_s))
        kills += 1
        _check_whole()  # the victim whole, or wholly gone
        kept = f"Kept {kills}"
        _filled(kept)
        _keep_one_day(kept)  # set without its pass: the next start (killed) runs it
        _killed(*run, "matters", "list", within_s=at(prune_s))
        kills += 1
        _check_whole()
    assert kills == 4 * KILLS_PER_ACTION
    assert sum(KILLED) >= kills - 3, KILLED  # killed at work, not after it ended
