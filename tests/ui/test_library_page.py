"""The Documents page and chats that answer from it, on real embeddings and widgets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.services.documents import FileEvent
from hushdesk.ui.library_page import LibraryPage
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.rich_text_delegate import RICH_TEXT_ROLE
from tests import documents
from tests.fakes import FakeEngine
from tests.integration.test_library import FACTS, contract
from tests.ui.conftest import MakeWindow, answer_boxes, send

pytestmark = pytest.mark.slow


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[LibraryPage]:
    app = App(engine=FakeEngine())
    tasks = Tasks()
    page = LibraryPage(app, tasks)
    qtbot.addWidget(page)
    page.show()
    yield page
    page.pause()
    tasks.wait(60_000)
    qtbot.wait(400)  # queued results and the table's refresh timer land before the store closes
    app.close()


def statuses(page: LibraryPage) -> dict[str, str]:
    return {
        page.table.cell(r, 0).text(): page.table.cell(r, 3).text()
        for r in range(page.table.rowCount())
    }


def test_add_a_folder_watch_progress_search_and_open(
    qtbot: QtBot, page: LibraryPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    contract(folder / "lease.pdf")
    documents.loop_pdf(folder / "broken.pdf")
    page.create_library("Client")
    page.add([folder])
    assert page.running.isVisible()
    qtbot.waitUntil(lambda: not page.indexing.busy, timeout=120_000)
    # The table is read off the GUI thread: it lands just after the job ends.
    qtbot.waitUntil(lambda: statuses(page) == {"broken.pdf": "Failed", "lease.pdf": "Ready"})
    notes = page.table.cell(0, 4).text()
    assert notes  # the reason the broken file failed
    assert "1 file ready, 1 failed" in page.status.text()

    page.finder.query.setText("How long is the notice period?")
    page.finder.query.returnPressed.emit()
    qtbot.waitUntil(
        lambda: (
            page.finder.results.count() > 0 and page.finder.results.item(0).text() != "Searching…"
        ),
        timeout=30_000,
    )
    first = page.finder.results.item(0)
    assert first.text().startswith("lease.pdf, page 3")
    assert ">notice</span>" in first.data(RICH_TEXT_ROLE)  # the word searched for, marked
    hit = first.data(0x0100)
    viewer = page.open_document(hit.file.path, hit.chunk.page, hit.chunk.text, True, hit.file.id)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.page_count == 14, timeout=30_000)
    assert viewer.highlighted > 0  # the passage is marked on the page

    answer_boxes(monkeypatch, "Remove from library")
    page.table.selectRow(0)  # broken.pdf
    page._remove_selected()
    qtbot.waitUntil(lambda: statuses(page) == {"lease.pdf": "Ready"})
    # not "… ready" any more (the list may be redrawn before the removal's result is told)
    qtbot.waitUntil(lambda: page.status.text() == "1 file taken out of “Client”.")


def notes_folder(folder: Path, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        documents.pdf(folder / f"note{n}.pdf", [f"Meeting note {n}: item {n * 7} agreed."] * 3)
    return folder


def pause_after_a_file(page: LibraryPage, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = page._file_event

    def event(event: FileEvent) -> None:
        shown(event)
        if event.status == "done":
            page.pause()

    monkeypatch.setattr(page, "_file_event", event)


def test_pause_keeps_the_queue_and_resume_finishes_it(
    qtbot: QtBot, page: LibraryPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = notes_folder(tmp_path / "notes", 4)
    page.create_library("Notes")
    page.add([folder])
    page.running.pause.click()  # Pause, before the job has even listed the folder
    qtbot.waitUntil(lambda: not page.indexing.busy, timeout=60_000)
    assert page.running.isVisible()
    assert page.running.pause.text() == "Resume"
    assert "Paused" in page.status.text()
    qtbot.wait(500)
    assert not page.indexing.busy  # stays paused: nothing starts by itself

    pause_after_a_file(page, monkeypatch)
    page.running.pause.click()  # Resume; it pauses again once a file is indexed
    qtbot.waitUntil(lambda: not page.indexing.busy, timeout=60_000)
    assert page.running.pause.text() == "Resume"
    qtbot.waitUntil(lambda: "Queued" in statuses(page).values())
    monkeypatch.undo()

    page.running.pause.click()
    qtbot.waitUntil(
        lambda: not page.indexing.busy and not page.running.isVisible(), timeout=120_000
    )
    qtbot.waitUntil(lambda: list(statuses(page).values()) == ["Ready"] * 4)
    assert page.indexing.pending() == []


def test_cancel_takes_out_what_is_not_indexed_and_keeps_the_rest(
    qtbot: QtBot, page: LibraryPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_boxes(monkeypatch, "Stop indexing")
    folder = notes_folder(tmp_path / "notes", 6)
    page.create_library("Notes")
    pause_after_a_file(page, monkeypatch)
    page.add([folder])
    qtbot.waitUntil(lambda: not page.indexing.busy, timeout=60_000)
    page.running.stop.click()  # while paused
    qtbot.waitUntil(lambda: page.indexing.state == "idle", timeout=60_000)
    qtbot.waitUntil(lambda: set(statuses(page).values()) == {"Ready"})  # the queued, gone
    left = statuses(page)
    assert 1 <= len(left) < 6
    assert set(left.values()) == {"Ready"}
    assert page.indexing.pending() == []
    dropped = 6 - len(left)
    files = "file" if dropped == 1 else "files"
    assert f"{dropped} {files} not indexed yet taken out" in page.status.text()
    assert not page.running.isVisible()

    monkeypatch.undo()
    answer_boxes(monkeypatch, "Stop indexing")
    page.add([folder])
    page.running.stop.click()  # while running
    qtbot.waitUntil(lambda: page.indexing.state == "idle", timeout=60_000)
    assert page.indexing.pending() == []
    qtbot.waitUntil(lambda: set(statuses(page).values()) == {"Ready"})

    page.add([folder])  # adding the folder again brings the rest back
    qtbot.waitUntil(
        lambda: not page.indexing.busy and list(statuses(page).values()) == ["Ready"] * 6,
        timeout=120_000,
    )


def test_a_watched_folder_follows_new_and_deleted_files(
    qtbot: QtBot, page: LibraryPage, tmp_path: Path
) -> None:
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "first.md").write_text(FACTS[3])
    page.create_library("Watched")
    page.watch_folder(folder)
    qtbot.waitUntil(lambda: statuses(page) == {"first.md": "Ready"}, timeout=60_000)
    (folder / "second.md").write_text(FACTS[7])
    qtbot.waitUntil(lambda: statuses(page).get("second.md") == "Ready", timeout=60_000)
    (folder / "first.md").unlink()
    qtbot.waitUntil(lambda: "first.md" not in statuses(page), timeout=60_000)
    assert page.library is not None
    assert page.library.watch_folder == str(folder.resolve())


def test_a_folder_whose_changes_go_unreported_is_still_followed(
    qtbot: QtBot, page: LibraryPage, tmp_path: Path
) -> None:
    """A network share (or a system out of watches) reports nothing: the poll catches it."""
    folder = tmp_path / "share"
    (folder / "old").mkdir(parents=True)
    page.folders.watcher.blockSignals(True)
    page.folders._poll.setInterval(300)
    page.create_library("Share")
    page.watch_folder(folder)
    qtbot.waitUntil(
        lambda: page.folders._poll.isActive() and not page.indexing.busy, timeout=60_000
    )
    (folder / "old" / "note.md").write_text(FACTS[3])
    qtbot.waitUntil(lambda: statuses(page).get("note.md") == "Ready", timeout=60_000)
    (folder / "new").mkdir()  # a new subfolder is followed too
    qtbot.waitUntil(
        lambda: str(folder / "new") in page.folders.watcher.directories(), timeout=60_000
    )
    (folder / "new" / "later.md").write_text(FACTS[7])
    qtbot.waitUntil(lambda: statuses(page).get("later.md") == "Ready", timeout=60_000)


def test_a_folder_listing_that_finishes_late_is_ignored(page: LibraryPage, tmp_path: Path) -> None:
    """Listings run on two threads: an old one finishing last must not unwatch the folder."""
    ran: list[str] = []
    watch = page.folders
    watch.rescanRequested.disconnect()
    watch.rescanRequested.connect(lambda: ran.append("sync"))
    watch.update(then_rescan=True)
    watch.update()
    watch._listed((watch._listing, ([str(tmp_path)], ())))  # the newest arrives first
    watch._listed((watch._listing - 1, ([], ())))  # then the overtaken one
    assert watch._poll.isActive()
    assert watch.watcher.directories() == [str(tmp_path)]
    assert ran == ["sync"]


def test_a_chat_answers_from_a_library_with_clickable_sources(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    engine = FakeEngine(reply="Ninety days [1].")
    window = make_window(engine)
    library_page = window.page("documents")
    library_page.create_library("Lease")
    library_page.add([contract(tmp_path / "lease.pdf")])
    qtbot.waitUntil(lambda: not library_page.indexing.busy, timeout=120_000)

    chat = window.chat
    lease, index = window.app.documents.library("Lease"), window.app.library.index
    assert index.memory(lease) == 0  # nothing searched yet
    chat._toggle_library("Lease", True)
    assert chat.sources.text() == "Documents: Lease"
    qtbot.waitUntil(lambda: index.memory(lease) > 0)  # loaded while the question is typed
    stages: list[str] = []  # what the transcript said before the first word, in order
    shown = chat.view.show_stage
    chat.view.show_stage = lambda text: (stages.append(text), shown(text))[1]  # type: ignore[method-assign]
    send(qtbot, window, "How long is the notice period?")
    assert stages[0] == "Searching Lease…"
    assert stages[1].startswith("Reading ")
    assert stages[1].endswith(" from 1 document…")
    assert len(stages) == 2
    prompt = engine.requests[-1][-1].content
    assert "<<<" in prompt
    assert FACTS[3] in prompt
    answer = chat.chat.turns[-1]  # type: ignore[union-attr]
    assert answer.citations[0].page == 3
    assert "Sources: [1] lease.pdf, page 3" in chat.view.toPlainText()
    with qtbot.waitSignal(chat.openCitation) as opened:
        chat.view.citationRequested.emit(answer.id, 1)
    assert opened.args[0].page == 3
    conversation = window.conversations.get(chat.conversation_id or 0)
    assert conversation is not None
    assert conversation.libraries == ["Lease"]

    send(qtbot, window, "What is the boiling point of liquid nitrogen?")
    assert chat.chat.turns[-1].content == "I could not find this in your documents."  # type: ignore[union-attr]


def test_interrupted_indexing_finishes_after_a_restart(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    app = App(engine=FakeEngine())
    documents_ = app.library
    library = documents_.library("Interrupted")
    path = contract(tmp_path / "lease.pdf")
    documents_.store.queue(library, str(path), sha256="0" * 64, size=1, mtime=0)  # then a crash
    window = make_window(app=app)
    window.resume_documents()
    assert window.built("documents")
    page = window.page("documents")
    qtbot.waitUntil(lambda: not page.indexing.busy and documents_.pending() == [], timeout=120_000)
    assert documents_.search(library, "notice period").hits[0].chunk.page == 3


def test_a_search_card_marks_the_words_searched_for_and_escapes_the_rest() -> None:
    from types import SimpleNamespace

    from hushdesk.ui.widgets.library_search import _around, _card

    text = "x " * 200 + "The <b>notice</b> period: notices go by <script>post</script>."
    snippet = _around(text, "What is the notice period?")
    assert snippet.startswith("…")
    assert "notice" in snippet[:80]
    card = _card(SimpleNamespace(where="a<i>.pdf, page 2"), snippet, "What is the notice period?")  # type: ignore[arg-type]
    assert "<script>" not in card
    assert "<b>notice</b>" not in card
    assert "a&lt;i&gt;.pdf, page 2" in card
    assert card.count("font-weight:600") == 3  # notice, period, notices; "the" is not marked


def test_the_file_list_is_read_off_the_gui_thread_and_only_the_newest_is_shown(
    qtbot: QtBot, page: LibraryPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    page.create_library("Big")
    qtbot.waitUntil(lambda: "Big" in page.title.text())
    read = page.documents.state
    threads: list[threading.Thread] = []

    def state(library):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return read(library)

    monkeypatch.setattr(page.documents, "state", state)
    page.create_library("Other")  # switched before the first library's list landed
    page.refresh_files()
    qtbot.waitUntil(lambda: len(threads) >= 2 and not page.tasks.busy())
    assert threading.main_thread() not in threads
    assert "<b>Other</b>" in page.title.text()
    assert "Big" not in page.title.text()
