"""The Review page in a real window: a grid made in its dialog is answered off the GUI
thread with its cells filling in, "Not stated" shown as such, an edit marked, a cell
opening its source at the page, and a pause that keeps what was answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.library.libraries import DocumentLibrary
from hushdesk.library.store import DocumentStore
from hushdesk.ui.widgets.grid_dialog import NewGridDialog
from tests.fakes import FakeEmbedder, FakeEngine
from tests.keys import TEST_KEY
from tests.ui.conftest import MakeWindow
from tests.unit.test_review_grid import LEASES, _reply


@pytest.fixture
def app(tmp_path: Path) -> App:
    for name, text in LEASES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    app = App(engine=FakeEngine(respond=_reply))
    embedder = FakeEmbedder()
    store = DocumentStore(TEST_KEY, tmp_path / "library.sqlite")
    library = DocumentLibrary(app.registry, store, embedder_factory=lambda _model: embedder)
    app.__dict__["library"] = library
    assert not library.ingest(library.library("Leases"), [tmp_path / n for n in LEASES]).failed
    return app


def test_a_grid_made_in_the_window_fills_in_and_opens_its_sources(
    qtbot: QtBot, make_window: MakeWindow, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(app=app)
    window.go("review")
    page = window.page("review")
    assert page.empty.isVisible()

    def fill(dialog: NewGridDialog) -> int:
        assert dialog.documents.count() == 2
        dialog.name.setText("Leases to renew")
        dialog.rows[0].question.setText("Who is the landlord?")
        dialog.rows[1].question.setText("Who pays the insurance?")
        dialog.rows[2].question.setText("Can the tenant sublet?")
        dialog.rows[2].kind.setCurrentIndex(3)  # Yes / No
        dialog._accept()
        return 1

    monkeypatch.setattr(NewGridDialog, "exec", fill)
    page.new.click()
    qtbot.waitUntil(lambda: page.shown is not None and page.job is None and
                    not page.shown.missing(), timeout=30_000)  # fmt: skip
    model = page.table.grid_model
    assert model.rowCount() == 2
    assert model.columnCount() == 3
    shown = {
        (model.headerData(r, Qt.Orientation.Vertical), c): model.index(r, c).data()
        for r in range(2)
        for c in range(3)
    }
    assert shown[("oak.md", 0)] == "Ada Moss"
    assert shown[("elm.md", 1)] == "Not stated"
    assert shown[("elm.md", 2)] == "No"
    assert "oak.md, section" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) + model.index(
        1, 0
    ).data(Qt.ItemDataRole.ToolTipRole)
    assert page.saved.count() == 1
    assert "2 documents" in page.summary.text()

    opened: list[object] = []
    monkeypatch.setattr(window, "open_citation", opened.append)
    page.openCitation.disconnect()
    page.openCitation.connect(window.open_citation)
    page.table.doubleClicked.emit(model.index(0, 0))
    assert len(opened) == 1
    assert opened[0].file in ("oak.md", "elm.md")  # type: ignore[attr-defined]

    file_id, column, _cell = model.at(model.index(0, 0))  # type: ignore[misc]
    monkeypatch.setattr("hushdesk.ui.review_page.ask_text", lambda *a, **k: "Ada Moss Ltd")
    page._edit(page.shown.id, file_id, column.id, None)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: str(model.index(0, 0).data()).startswith("✎ "), timeout=10_000)


def test_a_paused_grid_keeps_its_answers_and_goes_on(
    qtbot: QtBot, make_window: MakeWindow, app: App
) -> None:
    grid = app.reviews.create("Leases", [("Who is the landlord?", "text", ())] * 1 + [
        ("What is the monthly rent?", "amount", ())])  # fmt: skip
    window = make_window(app=app)
    window.go("review")
    page = window.page("review")
    page._show(grid)
    page.answer()
    page.pause()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    kept = len(app.reviews.get(grid.id).cells)
    assert kept < 4 or not page.bar.isVisible()
    page.answer()
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    assert len(app.reviews.get(grid.id).cells) == 4, (page.bar.label.text(), page.notice.text())


def test_files_added_in_the_dialog_are_indexed_into_a_new_library_and_reviewed(
    qtbot: QtBot, make_window: MakeWindow, app: App, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "pine.md").write_text(LEASES["oak.md"].replace("Oak House", "Pine Lodge"))
    (folder / "fir.md").write_text(LEASES["elm.md"])
    window = make_window(app=app)
    window.go("review")
    page = window.page("review")
    monkeypatch.setattr("hushdesk.ui.file_dialogs.choose_folder", lambda *a: str(folder))

    def fill(dialog: NewGridDialog) -> int:
        dialog.library.setCurrentText("Incoming")  # a new library for the folder
        assert dialog.documents.count() == 0
        dialog._add_folder()
        assert dialog.documents.item(0).text() == "incoming/ (to add)"
        dialog.rows[0].question.setText("Who is the landlord?")
        dialog._accept()
        return 1

    monkeypatch.setattr(NewGridDialog, "exec", fill)
    page.new.click()
    qtbot.waitUntil(lambda: page.shown is not None and page.job is None and
                    not page.shown.missing(), timeout=30_000)  # fmt: skip
    assert page.shown is not None
    assert page.shown.library.name == "Incoming"
    assert sorted(d.name for d in page.shown.documents) == ["fir.md", "pine.md"]
    values = {page.table.grid_model.index(r, 0).data() for r in range(2)}
    assert values == {"Ada Moss", "Ben Okoro"}
