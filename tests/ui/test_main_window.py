"""The main window on fakes: fast checks of behaviour, keyboard and accessibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QTextBrowser,
    QWidget,
)
from pytestqt.qtbot import QtBot

from hushdesk import settings
from hushdesk.ui.conversations import QuickSwitcher
from hushdesk.ui.pages import PAGES, index_of
from hushdesk.ui.widgets.rich_text_delegate import RICH_TEXT_ROLE
from tests.fakes import FakeEngine
from tests.ui.conftest import MakeWindow, send


def test_pages_and_sidebar(make_window: MakeWindow) -> None:
    window = make_window()
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == [page.title for page in PAGES]
    window.nav.setCurrentRow(index_of("settings"))
    assert window.pages.currentIndex() == len(PAGES) - 1
    assert window.pages.currentWidget() is window.page("settings")
    window.nav.setCurrentRow(index_of("models"))  # built on first visit
    assert window.pages.currentWidget() is window.page("models")
    window.nav.setCurrentRow(index_of("email"))
    assert window.pages.currentWidget() is window.page("email")
    window.nav.setCurrentRow(index_of("review"))
    assert window.pages.currentWidget() is window.page("review")


def test_send_streams_saves_and_titles(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    send(qtbot, window, "What is the notice period?")
    chat = window.chat
    assert chat.conversation_id is not None
    messages = chat.conversations.store.messages(chat.conversation_id)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "What is the notice period?"),
        ("assistant", "echo: What is the notice period?"),
    ]
    assert "echo: What is the notice period?" in chat.view.toPlainText()
    assert chat.title.full_text() == "What is the notice period?"
    assert window.sidebar.ids() == [chat.conversation_id]
    assert chat.composer.toPlainText() == ""


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    composer = window.chat.composer
    qtbot.keyClicks(composer, "first line")
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer, "second line")
    assert composer.toPlainText() == "first line\nsecond line"
    with qtbot.waitSignal(window.chat.answerFinished, timeout=10_000):
        qtbot.keyClick(composer, Qt.Key.Key_Return)
    assert "first line\nsecond line" in window.chat.view.toPlainText()


def test_regenerate_and_edit_replace_the_right_turns(qtbot: QtBot, make_window: MakeWindow) -> None:
    engine = FakeEngine()
    window = make_window(engine)
    chat = window.chat
    send(qtbot, window, "q1")
    send(qtbot, window, "q2")
    engine.reply = "second try"
    with qtbot.waitSignal(chat.answerFinished, timeout=10_000):
        chat.view.regenerateRequested.emit()
    assert chat.conversation_id is not None
    contents = [m.content for m in chat.conversations.store.messages(chat.conversation_id)]
    assert contents == ["q1", "echo: q1", "q2", "second try"]
    engine.reply = None
    first_id = chat.conversations.store.messages(chat.conversation_id)[0].id
    chat.view.editRequested.emit(first_id)
    assert chat.composer.toPlainText() == "q1"
    chat.composer.setPlainText("q1, edited")
    with qtbot.waitSignal(chat.answerFinished, timeout=10_000):
        chat.composer.submitted.emit()
    contents = [m.content for m in chat.conversations.store.messages(chat.conversation_id)]
    assert contents == ["q1, edited", "echo: q1, edited"]


def test_search_finds_an_old_message_and_opens_it(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    send(qtbot, window, "Remind me about the aardvark invoice")
    old = window.chat.conversation_id
    window.conversation_actions.new_chat()
    send(qtbot, window, "Something else entirely")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.search.hasFocus()
    qtbot.keyClicks(window.sidebar.search, "aardv")
    qtbot.waitUntil(lambda: window.sidebar.ids() == [old], timeout=3000)
    hit = window.sidebar.list.item(0)
    assert "the <b>aardvark</b> invoice" in hit.data(RICH_TEXT_ROLE)  # the match in bold
    assert "Remind me about the aardvark invoice" in hit.text()  # plain, for screen readers
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)
    assert window.chat.conversation_id == old
    assert window.chat.view.textCursor().selectedText().lower() == "aardv"  # scrolled to it


def test_export_markdown_and_json(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    send(qtbot, window, "Export this chat")
    conversation = window.chat.conversation_id
    assert conversation is not None
    for name in ("chat.md", "chat.json", "chat.docx", "chat.pdf"):
        target = tmp_path / name
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *a, t=target, **k: (str(t), ""))
        )
        window.conversation_actions.export(conversation)
    markdown = (tmp_path / "chat.md").read_text()
    assert markdown.startswith("# Export this chat")
    assert "## Assistant\n\necho: Export this chat" in markdown
    assert (tmp_path / "chat.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "chat.docx").read_bytes().startswith(b"PK")  # a Word (zip) file
    data = json.loads((tmp_path / "chat.json").read_text())
    assert [m["content"] for m in data["messages"]] == [
        "Export this chat",
        "echo: Export this chat",
    ]


def test_delete_with_undo_rename_and_pin(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    send(qtbot, window, "first chat")
    first = window.chat.conversation_id
    window.conversation_actions.new_chat()
    send(qtbot, window, "second chat")
    second = window.chat.conversation_id
    assert first is not None
    assert second is not None
    window.conversation_actions.toggle_pin(first)
    assert window.sidebar.ids() == [first, second]
    assert window.sidebar.list.item(0).text().startswith("★")
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Lease", True)))
    window.conversation_actions.rename(second)
    assert window.chat.title.full_text() == "Lease"
    window.conversation_actions.delete(second)
    assert window.sidebar.ids() == [first]
    assert window.chat.conversation_id is None
    assert window.conversation_actions.undo.isVisible()
    window.conversation_actions.undo.click()
    assert set(window.sidebar.ids()) == {first, second}
    window.conversation_actions.delete(second)
    window.conversation_actions.purge_timer.timeout.emit()
    window.conversations.undelete(second)
    assert window.conversations.get(second) is None


def test_keyboard_new_chat_and_quick_switcher(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    send(qtbot, window, "alpha topic")
    alpha = window.chat.conversation_id
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.conversation_id is None
    assert window.chat.composer.hasFocus()

    def choose(dialog: QuickSwitcher) -> int:
        qtbot.keyClicks(dialog.filter, "alph")
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
        return int(dialog.result())

    monkeypatch.setattr(QuickSwitcher, "exec", choose)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.conversation_id == alpha


def test_every_control_has_an_accessible_name(make_window: MakeWindow) -> None:
    window = make_window()
    kinds = (
        QAbstractButton,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QListWidget,
        QTextBrowser,
        QProgressBar,
    )
    unnamed = [
        f"{type(w).__name__}:{w.objectName() or getattr(w, 'text', lambda: '')()}"
        for w in window.findChildren(QWidget)
        if isinstance(w, kinds)
        and not w.accessibleName()
        and not (isinstance(w, QAbstractButton) and w.text())
        and w.isVisibleTo(window)
    ]
    assert unnamed == []


def test_window_state_and_last_conversation_survive_a_restart(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    send(qtbot, window, "remember me")
    conversation = window.chat.conversation_id
    window.resize(900, 650)
    window.close()
    saved = settings.load().ui
    assert saved.geometry
    assert saved.last_conversation == conversation
    again = make_window()
    assert again.chat.conversation_id == conversation
    assert "remember me" in again.chat.view.toPlainText()
    assert again.width() < 1000  # restored, not the 1180 px default


def test_a_damaged_database_is_reported(qtbot: QtBot, make_window: MakeWindow) -> None:
    from hushdesk import paths

    (paths.data_dir() / "conversations.sqlite").write_bytes(b"garbage" * 100)
    window = make_window()
    assert window.conversations.recovered_from is not None
    assert "damaged" in window.statusBar().currentMessage()


def test_no_display_gives_a_cli_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hushdesk import gui_entry

    monkeypatch.setattr(gui_entry.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert gui_entry.launch() == 2
    assert "hushdesk ask" in capsys.readouterr().err


def test_missing_qt_system_libraries_are_named_as_packages() -> None:
    from hushdesk.gui_entry import debian_package, install_advice

    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libX11-xcb.so.1") == "libx11-xcb1"
    assert debian_package("libGL.so.1") == "libgl1"
    advice = install_advice(["libxcb-cursor.so.0", "libGL.so.1"])
    assert "sudo apt install libgl1 libxcb-cursor0" in advice
    assert "sudo dnf install 'libxcb-cursor.so.0()(64bit)' 'libGL.so.1()(64bit)'" in advice


def test_make_run_checks_the_system_libraries_before_setting_up() -> None:
    """The check runs on the system's Python with nothing installed: gui_entry.py
    imports nothing of Hushdesk's."""
    import os
    import subprocess
    import sys

    from hushdesk import gui_entry

    env = {"PATH": os.environ["PATH"], "DISPLAY": ":99"}
    done = subprocess.run(
        [sys.executable, "-I", "-S", gui_entry.__file__],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 2:
        assert "sudo apt install" in done.stderr
        assert "sudo dnf install" in done.stderr


def test_conversation_settings_apply_to_the_next_answer(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.ui.widgets.conversation_settings import ConversationSettings

    engine = FakeEngine()
    window = make_window(engine)

    def configure(dialog: ConversationSettings) -> int:
        dialog.persona.setCurrentIndex(dialog.persona.findData("translator"))
        dialog.prompt.setPlainText("Answer in French.")
        dialog.temperature.setValue(0.2)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(ConversationSettings, "exec", configure)
    window.chat.settings_button.click()  # before the first message: kept as a draft
    send(qtbot, window, "Hello")
    assert engine.requests[-1][0].content == "Answer in French."
    conversation = window.conversations.get(window.chat.conversation_id or 0)
    assert conversation is not None
    assert conversation.persona == "translator"
    assert conversation.system_prompt == "Answer in French."
    assert conversation.sampling == {"temperature": 0.2}
    assert window.chat.chat.session.params.temperature == 0.2


def test_conversation_list_works_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    send(qtbot, window, "keyboard only")
    conversation = window.chat.conversation_id
    listing = window.sidebar.list
    listing.setFocus()
    listing.setCurrentRow(0)
    qtbot.keyClick(listing, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert window.conversations.get(conversation or 0).pinned  # type: ignore[union-attr]
    qtbot.keyClick(listing, Qt.Key.Key_Delete)
    assert window.conversations.get(conversation or 0) is None
    window.conversation_actions.undo_delete()
    assert window.conversations.get(conversation or 0) is not None


def test_turns_outside_the_context_are_marked(qtbot: QtBot) -> None:
    from hushdesk.assistant.chat import Turn
    from hushdesk.ui.widgets.chat_view import ChatView

    view = ChatView()
    qtbot.addWidget(view)
    turns = [
        Turn(1, "user", "old question"),
        Turn(2, "assistant", "old answer"),
        Turn(3, "user", "new question"),
    ]
    view.set_turns(turns, context_from=3)
    text = view.toPlainText()
    assert text.index("old answer") < text.index("outside the model's memory")
    assert text.index("outside the model's memory") < text.index("new question")
    assert "Answer" in text  # the unanswered last question offers a retry


def test_stop_while_the_model_is_busy_loading_is_not_lost(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    import threading

    window = make_window()
    chat = window.chat
    loading = threading.Event()
    window.tasks.run(loading.wait, pool="model")  # e.g. the start-up model load
    chat.composer.setPlainText("Are you there?")
    chat.composer.submitted.emit()
    assert chat.busy
    qtbot.keyClick(chat.composer, Qt.Key.Key_Escape)
    loading.set()
    # the turn winds down on the model's thread: wait for all it leaves behind
    qtbot.waitUntil(
        lambda: (
            not chat.busy
            and "Stopped" in chat.status.text()
            and chat.composer.toPlainText() == "Are you there?"
        ),  # given back, not lost
        timeout=5000,
    )


@pytest.mark.parametrize("persona", ["general", "concise"])
def test_the_chat_page_and_the_command_line_give_the_same_prompt(
    qtbot: QtBot, make_window: MakeWindow, persona: str
) -> None:
    """One system-prompt rule: the chat page (persona menu) and ``hushdesk ask
    --persona`` tell the model the same thing for the same settings."""
    from hushdesk.app import App
    from hushdesk.cli import build_parser
    from hushdesk.cli.chat import setup_from

    engine = FakeEngine()
    window = make_window(engine)
    window.app.settings.system_prompt = "House style: plain English."
    chat = window.chat
    chat.persona.setCurrentIndex(chat.persona.findData(persona))
    chat.persona.activated.emit(chat.persona.currentIndex())
    send(qtbot, window, "hello")

    terminal = FakeEngine()
    app = App(settings=window.app.settings, engine=terminal)
    args = build_parser().parse_args(["ask", "--persona", persona, "hello"])
    one_off = app.conversations.open(setup=setup_from(args), keep=False)
    app.conversations.send(one_off, "hello").collect()
    app.close()
    assert terminal.requests[-1] == engine.requests[-1]
    expected = "House style" if persona == "general" else "You are a concise assistant"
    assert engine.requests[-1][0].content.startswith(expected)


def test_a_citation_opens_before_the_documents_page_was_ever_shown(
    make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hushdesk.services.conversations import Citation
    from hushdesk.ui.library_page import LibraryPage

    opened: list[tuple[str, int]] = []
    monkeypatch.setattr(
        LibraryPage,
        "open_document",
        lambda _page, path, page, *_a, **_k: opened.append((path, page)),
    )
    window = make_window()
    assert not window.built("documents")
    cited = Citation(1, "/cases/lease.pdf", "lease.pdf", 4, 3, True, "notice", 0, 6, 0.7)
    window.chat.openCitation.emit(cited)
    assert opened == [("/cases/lease.pdf", 3)]


@pytest.mark.parametrize("first", ["documents", "email"])
def test_the_email_page_hears_of_library_changes_whichever_page_came_first(
    make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    from hushdesk.ui.email_page import EmailPage

    refreshed: list[int | None] = []
    monkeypatch.setattr(EmailPage, "refresh", lambda _page, select=None: refreshed.append(select))
    window = make_window()
    if first == "email":
        window.page("email")
    documents = window.page("documents")
    window.page("email")
    refreshed.clear()
    documents.librariesChanged.emit()
    assert refreshed == [None]


def test_the_shortcuts_dialog_is_a_table_of_plain_text(make_window: MakeWindow) -> None:
    window = make_window()
    dialog = window.show_shortcuts()
    text = dialog.text()
    assert "<" not in text  # no markup shown as text, and none rendered
    for keys in ("Ctrl+K", "Ctrl+Shift+L", "Ctrl+0", "Shift+Enter"):
        assert keys in text
    bound = {s.key().toString() for s in window.findChildren(QShortcut)}
    assert {"Ctrl+K", "Ctrl+F", "Ctrl+L", "Ctrl+Shift+L"} <= bound  # the list tells the truth
    dialog.close()


def test_the_context_meter_grows_while_an_answer_streams(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    meter = window.chat.meter
    send(qtbot, window, "What is the notice period?")
    qtbot.waitUntil(lambda: meter.isVisible() and meter.exact)
    before = meter.used
    assert meter.count.text() == f"{before:,} / {meter.n_ctx:,} tokens"
    shown: list[str] = []
    grow = meter.grow
    monkeypatch.setattr(meter, "grow", lambda n: (grow(n), shown.append(meter.count.text())))
    send(qtbot, window, "And the rent?")
    assert shown
    assert all(s.startswith("≈ ") for s in shown)
    assert shown[-1] != shown[0]
    qtbot.waitUntil(lambda: meter.exact and meter.used > before)  # the exact count after


def test_get_more_models_opens_the_models_page_and_keeps_the_model(
    make_window: MakeWindow,
) -> None:
    window = make_window()
    menu = window.chat.model
    chosen = menu.currentData()
    assert chosen == "smollm2-135m-instruct"
    more = menu.count() - 1
    assert menu.itemText(more) == "Get more models…"
    assert menu.itemData(more) is None  # no model
    assert menu.itemData(more - 1, Qt.ItemDataRole.AccessibleDescriptionRole) == "separator"
    status = window.status_area.model.text()
    menu.setCurrentIndex(more)  # as a click on it does: the item, then "activated"
    menu.activated.emit(more)
    assert menu.currentData() == chosen  # the menu shows the conversation's model again
    assert window.chat.chat.setup.model_id in (None, chosen)  # not changed by the entry
    assert window.status_area.model.text() == status
    assert window.built("models")
    assert window.pages.currentIndex() == index_of("models")
    window.chat.refresh_models()  # a model came or went: the entry stays last, once
    assert [menu.itemText(i) for i in range(menu.count())].count("Get more models…") == 1
    assert menu.itemText(menu.count() - 1) == "Get more models…"
    assert menu.currentData() == chosen
