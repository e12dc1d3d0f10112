"""The comparison widget: two files (chosen or dropped), a comparison run off the GUI
thread with progress and Cancel, the summary and the changes shown with their pages, a
page opened, the redline exported."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.engine.types import Message
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.compare_view import CompareView
from tests.documents import edited, printed_pdf, real_text, reflowed
from tests.fakes import FakeEngine
from tests.unit.test_compare import EDITS


def respond(messages: list[Message]) -> str:
    time.sleep(0.3)  # long enough to be cancelled
    listed = messages[-1].content
    number = next(line for line in listed.splitlines() if "fifty" in line)[1]
    return f"- Control now needs forty percent (40%), not fifty percent (50%) [{number}]."


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    licence = real_text("Apache-2.0")
    folder = tmp_path_factory.mktemp("compare")
    old = printed_pdf(folder / "old.pdf", "Apache License 2.0 - terms", licence)
    changed = reflowed(edited(licence, [(o, n) for o, n, _ in EDITS]), 62, hyphenate=3)
    new = printed_pdf(folder / "new.pdf", "<b>APACHE</b> v2", changed, footer="- {n} -")
    return old, new


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[CompareView]:
    app = App(engine=FakeEngine(respond=respond))
    tasks = Tasks()
    widget = CompareView(app.compare, tasks)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.stop()
    tasks.wait(30_000)
    app.close()


def drop(widget: CompareView, paths: list[Path]) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)


def test_compare_show_the_changes_open_a_page_and_export(
    qtbot: QtBot, view: CompareView, versions: tuple[Path, Path], tmp_path: Path
) -> None:
    assert not view.start.isEnabled()
    drop(view, list(versions))
    assert view.old.path == versions[0]
    assert view.new.path == versions[1]
    assert view.start.isEnabled()
    seen: list[str] = []
    view.running.label.setText("")
    view.running.bar.valueChanged.connect(lambda _v: seen.append(view.running.label.text()))
    with qtbot.waitSignal(view.compared, timeout=120_000) as finished:
        view.run()
        assert view.running.isVisible()
        assert not view.start.isEnabled()
    result = finished.args[0]
    assert view.result is result
    assert len(result.changes) == len(EDITS)
    qtbot.waitUntil(lambda: view.job is None)
    assert not view.running.isVisible()
    assert any("%" in text for text in seen)  # progress, in percent
    shown = view.view.toPlainText()
    assert shown.startswith("Summary of the changes")
    assert "Control now needs forty percent (40%)" in shown
    assert "[1] Changed  old p. 1 / new p. 1" in shown
    assert "[2] Removed  old p. 2 / new —" in shown
    assert "State of Delaware" in shown
    assert "<b>" not in view.view.toHtml()  # a document's text is never markup
    assert view.notice.text().startswith("5 changes")

    view._open_page(QUrl("page:new/4#5"))
    assert view.viewer is not None
    assert view.viewer.page == 4
    assert "You alone must decide" in view.viewer.passage
    view.viewer.close()

    out = tmp_path / "redline.docx"
    view.export_to(out)
    qtbot.waitUntil(lambda: view.notice.text().startswith("Exported"), timeout=30_000)
    assert out.is_file()


def test_cancel_stops_the_comparison(
    qtbot: QtBot, view: CompareView, versions: tuple[Path, Path]
) -> None:
    view.set_files(*versions)
    view.run()
    qtbot.waitUntil(lambda: "Summarizing" in view.running.label.text(), timeout=60_000)
    view.stop()
    qtbot.waitUntil(lambda: view.job is None, timeout=30_000)
    assert view.notice.text() == "Cancelled."
    assert view.result is None
    assert view.start.isEnabled()
