"""kill -9 during a matter's export, import, deletion and a retention pass, at random
moments (a campaign of 24 kills): afterwards every matter is either wholly there, its
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
from hushdesk.services.matters import Matters, MatterStores
from hushdesk.vault import Vault, unlock_without_asking
from tests.fakes import FakeEngine
from tests.keys import fill_every_store, write_private

pytestmark = pytest.mark.slow

SECRET = "archive passphrase 1"
KILLS_PER_ACTION = 6


def _filled(name: str) -> None:
    """A matter with something in every store, and 200 conversations ten days old (a
    retention pass has work that a kill can land inside)."""
    app = App(engine=FakeEngine())
    try:
        app.matters.add(name)
        app.open_matter(name)
        fill_every_store(app, "Walrus")
        for n in range(200):
            app.conversations.store.create(title=f"Walrus {n}")
        with app.conversations.store._tx() as db:
            db.execute("UPDATE conversations SET updated_at = updated_at - 864000")
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
                assert len(stores.conversations.conversations()) == 201, matter.name  # whole
        finally:
            stores.close()
        names.append(matter.name)
    known = {m.id for m in matters.list()}
    left = (
        {p.name for p in paths.matters_dir().iterdir()} if paths.matters_dir().exists() else set()
    )
    assert left <= known
    return names


def _killed(cmd: list[str], env: dict[str, str], *args: str, within_s: float) -> None:
    process = subprocess.Popen(
        [*cmd, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(within_s)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def test_kill_9_during_export_import_delete_and_retention_leaves_no_half_matter(
    hushdesk_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(7)
    secret = write_private(tmp_path / "secret", SECRET)
    archive = tmp_path / "walrus.hdm"
    _filled("Walrus")
    done = subprocess.run(
        [*hushdesk_cmd, "matters", "export", "Walrus", "--out", str(archive),
         "--passphrase-file", str(secret)],
        env=cli_env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    kills = 0
    for _round in range(KILLS_PER_ACTION):
        out = tmp_path / f"again-{kills}.hdm"
        _killed(hushdesk_cmd, cli_env, "matters", "export", "Walrus", "--out", str(out),
                "--passphrase-file", str(secret), within_s=rng.uniform(0.5, 4.0))  # fmt: skip
        kills += 1
        if out.exists():  # only ever whole: it was renamed into place once complete
            check = subprocess.run(
                [*hushdesk_cmd, "matters", "import", str(out), "--name", f"Check {kills}",
                 "--passphrase-file", str(secret)],
                env=cli_env, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            assert check.returncode == 0, check.stderr
            subprocess.run([*hushdesk_cmd, "matters", "delete", f"Check {kills}", "--yes"],
                           env=cli_env, capture_output=True, timeout=300, check=True)  # fmt: skip
        _check_whole()
        _killed(hushdesk_cmd, cli_env, "matters", "import", str(archive), "--name",
                f"Imported {kills}", "--passphrase-file", str(secret),
                within_s=rng.uniform(0.5, 4.0))  # fmt: skip
        kills += 1
        _check_whole()
        victim = f"Victim {kills}"
        _filled(victim)
        _killed(hushdesk_cmd, cli_env, "matters", "delete", victim, "--yes",
                within_s=rng.uniform(0.3, 2.5))  # fmt: skip
        kills += 1
        _check_whole()  # the victim whole, or wholly gone
        kept = f"Kept {kills}"
        _filled(kept)
        _keep_one_day(kept)  # set without its pass: the next start (killed) runs it
        _killed(hushdesk_cmd, cli_env, "matters", "list", within_s=rng.uniform(0.5, 3.0))
        kills += 1
        _check_whole()
    assert kills >= 20
