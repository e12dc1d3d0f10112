"""The chat page: header (title, persona, model, context meter), transcript, composer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.assistant import personas
from hushdesk.assistant.chat import ChatSession, Grounder
from hushdesk.assistant.grounding import grounder_for
from hushdesk.core import Core
from hushdesk.engine.base import ChatStream
from hushdesk.engine.types import ChatResult
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.history import History
from hushdesk.models.registry import InstalledModel
from hushdesk.ui.tasks import Task, Tasks
from hushdesk.ui.widgets.chat_view import ChatView
from hushdesk.ui.widgets.composer import Composer
from hushdesk.ui.widgets.conversation_settings import ConversationSettings
from hushdesk.ui.widgets.elided_label import ElidedLabel

log = logging.getLogger("hushdesk.ui")

WELCOME = "Ask anything. Everything stays on this computer."


class ChatPage(QWidget):
    conversationChanged = Signal(int)  # saved conversation changed (title, order)
    busyChanged = Signal(bool)
    answerFinished = Signal()
    openCitation = Signal(object)  # a citation dict: show the document at that page

    def __init__(self, core: Core, history: History, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.core, self.history, self.tasks = core, history, tasks
        self.conversation_id: int | None = None
        self.session: ChatSession | None = None
        self._task: Task | None = None
        self._editing: int | None = None
        self._generation = 0  # which answer the page is showing
        self._pending_question: str | None = None
        self._pending_edit: int | None = None
        self._draft_sampling: dict[str, object] = {}  # settings chosen before the first send
        self._draft_prompt: str | None = None
        self._build()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_header())
        self.view = ChatView()
        layout.addWidget(self.view, 1)
        self.status = QLabel("")
        self.status.setAccessibleName("Status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        layout.addLayout(self._build_composer())

        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        self.composer.submitted.connect(self.send)
        self.composer.cancelled.connect(self.escape)
        self.view.copyRequested.connect(self._copy_turn)
        self.view.editRequested.connect(self._begin_edit)
        self.view.regenerateRequested.connect(self.regenerate)
        self.view.citationRequested.connect(self._citation)
        self.persona.activated.connect(self._persona_chosen)
        self.model.activated.connect(self._model_chosen)
        self.refresh_models()
        self._draft_libraries: list[str] = []
        self.refresh_libraries()

    def _build_header(self) -> QHBoxLayout:
        self.title = ElidedLabel("New chat")
        self.title.setAccessibleName("Conversation title")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600")
        self.persona = QComboBox()
        self.persona.setAccessibleName("Persona")
        for p in personas.personas():
            self.persona.addItem(p.name, p.id)
        self.persona.setToolTip("How the assistant behaves in this conversation")
        self.model = QComboBox()
        self.model.setAccessibleName("Model")
        self.model.setToolTip("The model that answers in this conversation")
        self.meter = QProgressBar()
        self.meter.setAccessibleName("Context used")
        self.meter.setFixedWidth(170)
        self.meter.setTextVisible(True)
        self.meter.setFormat("context")
        self.settings_button = QPushButton("⚙")
        self.settings_button.setAccessibleName("Conversation settings")
        self.settings_button.setToolTip("Instructions and sampling for this conversation")
        self.settings_button.setFixedWidth(32)
        self.settings_button.clicked.connect(self.edit_settings)
        self.sources = QToolButton()
        self.sources.setAccessibleName("Answer from documents")
        self.sources.setToolTip("Answer from document libraries, with citations")
        self.sources.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sources.setMenu(QMenu(self.sources))
        self.sources.menu().aboutToShow.connect(self._fill_library_menu)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.sources)
        header.addWidget(self.persona)
        header.addWidget(self.settings_button)
        header.addWidget(self.model)
        header.addWidget(self.meter)
        return header

    def _build_composer(self) -> QHBoxLayout:
        self.composer = Composer()
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop answer")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        self.stop_button.hide()
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        composer_row = QHBoxLayout()
        composer_row.addWidget(self.composer, 1)
        composer_row.addLayout(buttons)
        return composer_row

    # -- state ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None

    def refresh_models(self) -> None:
        """Fill the model menu, keeping the current choice if it is still installed."""
        current = self.model.currentData()
        self.model.clear()
        for m in self.core.registry.list("llm"):
            if m.available:
                self.model.addItem(m.name, m.id)
        if current is not None:
            self.model.setCurrentIndex(max(0, self.model.findData(current)))

    def _libraries(self) -> list[str]:
        conversation = self.history.get(self.conversation_id) if self.conversation_id else None
        return list(conversation.libraries) if conversation else list(self._draft_libraries)

    def refresh_libraries(self) -> None:
        """The Documents button names the libraries this conversation answers from."""
        active = self._libraries()
        self.sources.setText("Documents: " + (", ".join(active) if active else "none"))

    def _fill_library_menu(self) -> None:
        """Built when opened, so the app does not open the document store at start-up."""
        menu = self.sources.menu()
        assert menu is not None
        menu.clear()
        chosen = set(self._libraries())
        names = [lib.name for lib in self.core.documents.store.libraries()]
        for name in names:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in chosen)
            action.toggled.connect(lambda on, n=name: self._toggle_library(n, on))
        if not names:
            empty = menu.addAction("No libraries yet: add documents on the Documents page")
            empty.setEnabled(False)

    def _toggle_library(self, name: str, on: bool) -> None:
        chosen = [n for n in self._libraries() if n != name] + ([name] if on else [])
        if self.conversation_id is not None:
            self.history.update(self.conversation_id, libraries=chosen)
        else:
            self._draft_libraries = chosen
        if self.session is not None:
            self.session.grounder = self._grounder(chosen)
        self.refresh_libraries()

    def _grounder(self, names: list[str]) -> Grounder | None:
        return grounder_for(self.core.documents, names) if names else None

    def _citation(self, turn_id: int, number: int) -> None:
        if self.session is None:
            return
        for turn in self.session.turns:
            if turn.id == turn_id:
                for citation in turn.citations:
                    if int(citation["n"]) == number:
                        self.openCitation.emit(citation)
                        return

    def _current_model(self) -> InstalledModel:
        conversation = self.history.get(self.conversation_id) if self.conversation_id else None
        chosen = self.model.currentData() or (conversation.model_id if conversation else None)
        try:
            return self.core.chat_model(chosen)
        except HushdeskError:
            return self.core.chat_model()

    def open_conversation(self, conversation_id: int | None) -> None:
        """Show a saved conversation, or a new empty one (saved when you first send)."""
        if self.busy:
            self.stop()  # the answer is saved as stopped in its own conversation
            self._generation += 1
        self._editing = None
        self._draft_sampling, self._draft_prompt = {}, None
        self._draft_libraries = []
        conversation = self.history.get(conversation_id) if conversation_id else None
        self.conversation_id = conversation.id if conversation else None
        persona_id = conversation.persona if conversation else personas.DEFAULT
        self.persona.setCurrentIndex(max(0, self.persona.findData(persona_id)))
        try:
            model = self.core.chat_model(conversation.model_id if conversation else None)
        except HushdeskError as exc:
            self._show_error(exc)
            model = None
        if model is not None:
            self.model.setCurrentIndex(max(0, self.model.findData(model.id)))
        self.session = self._make_session(model)
        self.title.setText(conversation.title if conversation else "New chat")
        self.refresh_libraries()
        self._render()
        self._update_meter()
        self.composer.setFocus()

    def _make_session(self, model: InstalledModel | None) -> ChatSession:
        conversation = self.history.get(self.conversation_id) if self.conversation_id else None
        persona_id = conversation.persona if conversation else str(self.persona.currentData())
        custom = conversation.system_prompt if conversation else self._draft_prompt
        overrides = conversation.sampling if conversation else self._draft_sampling
        libraries = conversation.libraries if conversation else self._draft_libraries
        return ChatSession(
            self.core.engine,
            self.core.sampling(model, **overrides),
            personas.system_prompt(persona_id, custom),
            history=self.history,
            conversation_id=self.conversation_id,
            model_id=model.id if model else None,
            grounder=self._grounder(libraries),
        )

    def _render(self) -> None:
        assert self.session is not None
        self.view.set_turns(self.session.turns, self.session.context_from, placeholder=WELCOME)

    # -- actions --------------------------------------------------------------------------

    def preload(self) -> None:
        """Start the engine and load the model in the background, before the first question."""
        try:
            model = self._current_model()
        except HushdeskError as exc:
            self._show_error(exc)
            return
        self.status.setText(f"Loading {model.name}…")
        self.tasks.run(
            lambda: self.core.ensure_loaded(model),
            pool="model",
            on_result=lambda info: self._loaded(model),
            on_error=self._show_error,
        )

    def _loaded(self, model: InstalledModel) -> None:
        if not self.busy:
            self.status.setText(f"Ready · {model.name} · offline")
        self._update_meter()

    def send(self) -> None:
        text = self.composer.toPlainText().strip()
        if not text:
            return
        if self.busy:
            self.status.setText("The previous answer is still finishing — send again in a moment.")
            return
        try:
            model = self._current_model()
        except HushdeskError as exc:
            self._show_error(exc)
            return
        if self.conversation_id is None:
            conversation = self.history.create(
                persona=str(self.persona.currentData()),
                model_id=model.id,
                system_prompt=self._draft_prompt,
            )
            if self._draft_sampling:
                self.history.update(conversation.id, sampling=self._draft_sampling)
            if self._draft_libraries:
                self.history.update(conversation.id, libraries=self._draft_libraries)
            self._draft_sampling, self._draft_prompt = {}, None
            self._draft_libraries = []
            self.conversation_id = conversation.id
            self.session = self._make_session(model)
            self.conversationChanged.emit(conversation.id)
        session = self.session
        assert session is not None
        editing, self._editing = self._editing, None
        self.composer.clear()
        if editing is not None:
            earlier = [t for t in session.turns if t.id < editing]  # the worker truncates
            self.view.set_turns(earlier, session.context_from)
        self.view.show_pending_question(text)
        self._pending_question, self._pending_edit = text, editing

        def work() -> ChatStream:
            stream = session.edit(editing, text) if editing is not None else session.send(text)
            self.core.ensure_loaded(model)
            return stream

        self._start(work, model)

    def regenerate(self) -> None:
        if self.busy or self.session is None:
            return
        session = self.session
        model = self._current_model()
        if session.turns and session.turns[-1].role == "assistant":
            self.view.set_turns(session.turns[:-1], session.context_from)

        def work() -> ChatStream:
            self.core.ensure_loaded(model)
            return session.regenerate()

        self._start(work, model)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _start(self, work: Callable[[], ChatStream], model: InstalledModel) -> None:
        self.view.begin_answer()
        self._set_busy(True)
        self.status.setText(f"{model.name} is writing…  (Esc to stop)")
        self._generation += 1
        current = self._generation

        def mine(slot: Callable[[Any], None]) -> Callable[[Any], None]:
            """Drop results of an answer that belongs to a conversation no longer shown."""
            return lambda value: slot(value) if current == self._generation else None

        self._task = self.tasks.run(
            work,
            pool="model",
            stream=True,
            on_chunk=mine(self.view.append_answer),
            on_result=mine(self._answered),
            on_error=mine(self._failed),
            on_finished=self._finished,
            on_cancel=self.core.engine.stop,
        )

    def _failed(self, error: BaseException) -> None:
        pending, self._pending_question = self._pending_question, None
        saved = self.session is not None and any(
            t.role == "user" and t.content == pending for t in self.session.turns[-2:]
        )
        if pending and not saved and not self.composer.toPlainText().strip():
            self.composer.setPlainText(pending)  # nothing typed is ever lost
            self._editing = self._pending_edit
        if isinstance(error, Cancelled):
            self.status.setText("Stopped before the answer began.")
        else:
            self._show_error(error)

    def _answered(self, result: ChatResult | None) -> None:
        self._pending_question = None
        if result is None:
            return
        stats = result.stats
        note = {"cancelled": "Stopped", "length": "Reached the length limit"}.get(
            stats.finish_reason, "Done"
        )
        rate = f" · {stats.decode_tokens_per_s:.0f} tokens/s" if stats.completion_tokens else ""
        self.status.setText(f"{note} · {stats.completion_tokens} tokens{rate}")

    def _finished(self) -> None:
        self._task = None
        self._set_busy(False)
        if self.session is not None:
            self._render()
            conversation = self.history.get(self.conversation_id) if self.conversation_id else None
            if conversation is not None:
                self.title.setText(conversation.title)
                self.conversationChanged.emit(conversation.id)
        self._update_meter()
        self.answerFinished.emit()

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self.model.setEnabled(not busy)
        self.persona.setEnabled(not busy)
        self.busyChanged.emit(busy)

    def _show_error(self, error: BaseException) -> None:
        message = (
            error.message if isinstance(error, HushdeskError) else f"Unexpected error: {error}"
        )
        if not isinstance(error, HushdeskError):
            log.error("chat task failed", exc_info=error)
        self.status.setText(f"⚠ {message}")

    def escape(self) -> None:
        """Esc: stop the answer, or leave editing."""
        if self.busy:
            self.stop()
        elif self._editing is not None:
            self._editing = None
            self.composer.clear()
            self.status.setText("Edit cancelled.")

    def _copy_turn(self, turn_id: int) -> None:
        if self.session is None:
            return
        for turn in self.session.turns:
            if turn.id == turn_id:
                QGuiApplication.clipboard().setText(turn.content)
                self.status.setText("Copied.")

    def _begin_edit(self, turn_id: int) -> None:
        if self.busy or self.session is None:
            return
        turn = next((t for t in self.session.turns if t.id == turn_id), None)
        if turn is None:
            return
        self._editing = turn_id
        self.composer.setPlainText(turn.content)
        self.composer.setFocus()
        self.status.setText("Editing: Enter resends and replaces the later turns · Esc cancels")

    def _persona_chosen(self, _index: int) -> None:
        persona_id = str(self.persona.currentData())
        self._draft_prompt = None  # a persona picked now replaces earlier custom instructions
        if self.conversation_id is not None:
            self.history.update(self.conversation_id, persona=persona_id, system_prompt=None)
        if self.session is not None:
            self.session.system_prompt = personas.system_prompt(persona_id)
        self._update_meter()

    def edit_settings(self) -> None:
        conversation = self.history.get(self.conversation_id) if self.conversation_id else None
        dialog = ConversationSettings(
            conversation.persona if conversation else str(self.persona.currentData()),
            conversation.system_prompt if conversation else None,
            conversation.sampling if conversation else dict(self._draft_sampling),
            self.core.settings.sampling,
            self,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        persona_id, prompt, sampling = dialog.values()
        if self.conversation_id is not None:
            self.history.update(
                self.conversation_id, persona=persona_id, system_prompt=prompt, sampling=sampling
            )
        else:
            self._draft_sampling, self._draft_prompt = sampling, prompt
        self.persona.setCurrentIndex(max(0, self.persona.findData(persona_id)))
        if self.session is not None:
            self.session.system_prompt = personas.system_prompt(persona_id, prompt)
            self.session.params = self.core.sampling(self._current_model(), **sampling)
        self._update_meter()

    def _model_chosen(self, _index: int) -> None:
        model_id = self.model.currentData()
        if model_id and self.conversation_id is not None:
            self.history.update(self.conversation_id, model_id=model_id)
        model = self._current_model()
        conversation = self.history.get(self.conversation_id) if self.conversation_id else None
        overrides = conversation.sampling if conversation else self._draft_sampling
        if self.session is not None:
            self.session.model_id = model.id
            self.session.params = self.core.sampling(model, **overrides)
        self.preload()

    def _update_meter(self) -> None:
        session = self.session
        if session is None:
            return
        engine = self.core.engine
        messages = session.messages

        def count() -> tuple[int, int] | None:
            info = engine.model
            if info is None:
                return None
            return engine.count_tokens(messages) if messages else 0, info.n_ctx

        def show(value: tuple[int, int] | None) -> None:
            if value is None:
                return
            used, n_ctx = value
            self.meter.setMaximum(n_ctx)
            self.meter.setValue(min(used, n_ctx))
            self.meter.setFormat(f"{used:,} / {n_ctx:,} tokens")
            self.meter.setToolTip("How much of the model's context this conversation uses")

        self.tasks.run(count, pool="model", on_result=show, on_error=lambda _e: None)
