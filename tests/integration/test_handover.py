"""A matter handed over through an age archive, on real SQLCipher stores: nothing of it
readable in the archive, the wrong passphrase opens nothing, an import is whole or
absent, and a hostile archive is refused without leaving anything behind. (Here, not
in tests/unit: age's passphrase mode costs a second of scrypt each time.)"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from hushdesk import paths
from hushdesk.app import App
from hushdesk.services import handover
from hushdesk.services.handover import HandoverError
from tests.fakes import FakeEngine
from tests.keys import fill_every_store, read_every_store

pytestmark = pytest.mark.slow

SECRET = "correct horse battery"


@pytest.fixture
def app() -> App:
    made = App(engine=FakeEngine())
    yield made
    made.close()


def filled_matter(app: App, name: str = "Smith v Jones") -> None:
    app.matters.add(name, instructions="We act for the tenant.")
    app.open_matter(name)
    fill_every_store(app, "Quokka")


def matter_part(read: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in read.items() if k in ("conversations", "library", "drafts")}


def test_export_delete_import_gives_the_matter_back(app: App, tmp_path: Path) -> None:
    filled_matter(app)
    before = matter_part(read_every_store(app))
    archive = tmp_path / "smith.hdm"
    app.export_matter("Smith v Jones", archive, SECRET)
    blob = archive.read_bytes()
    assert b"Quokka" not in blob
    assert b"Smith" not in blob  # not even its name
    app.delete_matter("Smith v Jones")
    with pytest.raises(HandoverError, match="passphrase does not open"):
        app.import_matter(archive, "wrong passphrase")
    done = app.import_matter(archive, SECRET)
    assert done.matter.name == "Smith v Jones"
    assert done.renamed_from == ""
    assert done.matter.instructions == "We act for the tenant."
    app.open_matter("Smith v Jones")
    assert matter_part(read_every_store(app)) == before
    again = app.import_matter(archive, SECRET)  # a second copy: its name made free
    assert (again.matter.name, again.renamed_from) == ("Smith v Jones (2)", "Smith v Jones")


def test_the_open_matter_exports_while_in_use(app: App, tmp_path: Path) -> None:
    filled_matter(app)
    app.conversations.store.create(title="Quokka second")  # still open, written to
    app.export_matter("Smith v Jones", tmp_path / "a.hdm", SECRET)
    done = app.import_matter(tmp_path / "a.hdm", SECRET, name="Copy")
    app.open_matter(done.matter.id)
    titles = sorted(c.title for c in app.conversations.store.conversations())
    assert titles == ["Quokka chat", "Quokka second"]


def test_an_archive_that_is_not_ours_or_is_hostile_leaves_nothing(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled_matter(app)
    not_ours = tmp_path / "x.hdm"
    not_ours.write_bytes(b"PK\x03\x04 something else")
    with pytest.raises(HandoverError, match="not a Hushdesk matter archive"):
        app.import_matter(not_ours, SECRET)

    real_add = tarfile.TarFile.add

    def with_a_stowaway(self: tarfile.TarFile, name: str, arcname: str, **kw: Any) -> None:
        real_add(self, name, arcname=arcname, **kw)
        if arcname == "drafts.sqlite":
            info = tarfile.TarInfo("../../escape.sh")
            self.addfile(info, io.BytesIO(b""))

    hostile = tmp_path / "hostile.hdm"
    with monkeypatch.context() as patched:
        patched.setattr(tarfile.TarFile, "add", with_a_stowaway)
        app.export_matter("Smith v Jones", hostile, SECRET)
    matters_before = [m.id for m in app.matters.list()]
    with pytest.raises(HandoverError, match="not a store"):
        app.import_matter(hostile, SECRET)
    assert [m.id for m in app.matters.list()] == matters_before
    known = {m.id for m in app.matters.list()}
    assert {p.name for p in paths.matters_dir().iterdir()} <= known  # no half import
    assert not (tmp_path.parent / "escape.sh").exists()
    assert not list(paths.cache_dir().glob(".handover-*"))


def test_an_import_killed_midway_is_not_there(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled_matter(app)
    archive = tmp_path / "a.hdm"
    app.export_matter("Smith v Jones", archive, SECRET)
    before = [m.id for m in app.matters.list()]
    calls: list[tuple[Any, ...]] = []
    real = handover.copy_file

    def killed_on_the_third(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(*args)

    monkeypatch.setattr(handover, "copy_file", killed_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        app.import_matter(archive, SECRET, name="Half")
    assert [m.id for m in app.matters.list()] == before
    assert {p.name for p in paths.matters_dir().iterdir()} <= set(before)


def test_archiving_exports_then_deletes(app: App, tmp_path: Path) -> None:
    filled_matter(app)
    app.open_matter("General")
    archive = app.archive_matter("Smith v Jones", tmp_path / "closed.hdm", SECRET)
    assert [m.name for m in app.matters.list()] == ["General"]
    assert app.import_matter(archive, SECRET).matter.name == "Smith v Jones"
