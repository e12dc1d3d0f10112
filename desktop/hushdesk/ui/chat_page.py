"""The chat page: header (title, documents, persona, settings, model, context meter),
transcript, composer. Every rule (the system prompt, what is saved) is the
Conversations service's; the page turns clicks into its calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hushdesk.app import App
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.services.conversations import NO_VISION, Answer, Chat, Stage
from hushdesk.ui.messages import status_label, warning
from hushdesk.ui.tasks import Job, Tasks
from hushdesk.ui.widgets.attachments import Attachments
from hushdesk.ui.widgets.chat_header import ChatHeader
from hushdesk.ui.widgets.chat_view import ChatView, stage_text
from hushdesk.ui.widgets.composer import Composer
from hushdesk.ui.widgets.conversation_settings import ConversationSettings
from hushdesk.ui.widgets.dictation_button import DictationButton
from hushdesk.ui.widgets.read_aloud_button import ReadAloudButton
from hushdesk.ui.widgets.starter_banner import StarterBanner

WELCOME = "Ask anything. Everything stays on this computer."
AFTER_START_MS = 1500  # background work that can wait until the window has painted


class ChatPage(QWidget):
    conversationChanged = Signal(int)  # saved conversation changed (title, order)
    busyChanged = Signal(bool)
    answerFinished = Signal()
    openCitation = Signal(object)  # a Citation: show the document at that page
    modelRequested = Signal(str, str)  # download this catalog model id, quantization
    modelsWanted = Signal()  # "Get more models…": the Models page
    stageReached = Signal(int, object)  # an answer's number, its Stage (from the worker)
    thoughtArrived = Signal(int, str)  # an answer's number, a piece of its thinking

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.conversations = app.conversations
        self.chat: Chat = self.conversations.open()
        self._job: Job | None = None
        self._editing: int | None = None
        self._generation = 0  # which answer the page is showing
        self._pending_question: str | None = None
        self._pending_images: list[bytes] = []
        self._pending_edit: int | None = None
        self._build()

    @property
    def conversation_id(self) -> int | None:
        return self.chat.id

    @property
    def busy(self) -> bool:
        return self._job is not None

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.header = header = ChatHeader()
        self.title, self.persona, self.model = header.title, header.persona, header.model
        self.meter, self.sources = header.meter, header.sources
        self.settings_button = header.settings_button
        self.banner = StarterBanner()
        self.banner.hide()
        self.temporary = status_label(
            "Temporary chat: nothing of it is written to disk; it is gone when you leave it.",
            "Temporary chat",
        )
        self.temporary.setProperty("role", "muted")
        self.temporary.hide()
        self._recommending = False
        self._shown_model: object = None  # the model the menu showed before "Get more…"
        self.view = ChatView()
        self.status = status_label()
        self.composer = Composer()
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop answer")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        self.stop_button.hide()
        self.dictate = DictationButton(self.composer, self.app.recordings)
        self.attachments = Attachments(self.tasks)
        self.read_aloud = ReadAloudButton(self.app.recordings, self._last_answer, "the last answer")
        self.view.offer_reading = lambda: self.app.settings.speech.read_aloud
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.dictate)
        buttons.addWidget(self.attachments.button)
        buttons.addStretch(1)
        composer_row = QHBoxLayout()
        composer_row.addWidget(self.composer, 1)
        composer_row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.temporary)
        layout.addWidget(self.view, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.read_aloud)
        status_row.addWidget(self.meter)
        layout.addLayout(status_row)
        layout.addWidget(self.attachments)
        layout.addLayout(composer_row)
        self._connect()
        self.refresh_models()
        self.refresh_libraries()

    def _connect(self) -> None:
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        self.composer.submitted.connect(self.send)
        self.composer.imagePasted.connect(self.attachments.add_image)
        self.composer.filesDropped.connect(self.attachments.add_files)
        self.attachments.said.connect(self.status.setText)
        self.stageReached.connect(self._stage)
        self.thoughtArrived.connect(self._thought)
        self.composer.cancelled.connect(self.escape)
        self.view.copyRequested.connect(self._copy_turn)
        self.view.editRequested.connect(self._begin_edit)
        self.view.regenerateRequested.connect(self.regenerate)
        self.view.readRequested.connect(self._read_turn)
        self.read_aloud.offered.connect(lambda _on: self.view.redraw())  # the answers' links
        self.view.citationRequested.connect(self._citation)
        self.persona.activated.connect(self._persona_chosen)
        self.model.activated.connect(self._model_chosen)
        self.model.currentIndexChanged.connect(self._model_shown)
        self.banner.dismissed.connect(self.app.preferences.hide_starter_banner)
        self.banner.getRequested.connect(self.modelRequested)
        self.settings_button.clicked.connect(self.edit_settings)
        menu = self.sources.menu()
        assert menu is not None
        menu.aboutToShow.connect(self._fill_library_menu)

    # -- state ----------------------------------------------------------------------------

    def refresh_models(self) -> None:
        """Fill the model menu, keeping the current choice if it is still installed."""
        current = self.model.currentData()
        self.model.clear()
        for m in self.app.runtime.chat_models():
            self.model.addItem(m.name if not m.remote else f"{m.name} · {m.where}", m.id)
            where = "this computer" if not m.remote else f"the server {m.where}"
            self.model.setItemData(
                self.model.count() - 1,
                f"{m.name}: what you write is computed on {where}.",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.header.end_model_menu()
        if current is not None:
            self.model.setCurrentIndex(max(0, self.model.findData(current)))

    def _model_shown(self, index: int) -> None:
        if not self.header.more_models(index):
            self._shown_model = self.model.itemData(index)  # to go back to
        self._update_banner()

    def _update_banner(self) -> None:
        """Shown while the conversation's model is the starter one (until dismissed)."""
        model_id = self.model.currentData()
        starter = any(
            m.id == model_id and m.source == "bundled" for m in self.app.runtime.chat_models()
        )
        show = starter and self.app.preferences.starter_banner
        self.banner.setVisible(show)
        if show and self.banner.recommendation is None and not self._recommending:
            self._recommending = True  # once, after the window is up (it imports a lot)
            QTimer.singleShot(AFTER_START_MS, self._recommend)

    def _recommend(self) -> None:
        app = self.app
        self.tasks.run(
            lambda: app.models.recommend(app.models.machine()),
            on_result=self.banner.show_recommendation,
        )

    def refresh_libraries(self) -> None:
        """The Documents button names the libraries this conversation answers from."""
        active = self.chat.setup.libraries
        self.sources.setText("Documents: " + (", ".join(active) if active else "none"))

    def _fill_library_menu(self) -> None:
        """Built when opened, so the app does not open the document store at start-up."""
        menu = self.sources.menu()
        assert menu is not None
        menu.clear()
        chosen = set(self.chat.setup.libraries)
        names = self.app.documents.names()
        for name in names:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in chosen)
            action.toggled.connect(lambda on, n=name: self._toggle_library(n, on))
        if not names:
            empty = menu.addAction("No libraries yet: add documents on the Documents page")
            empty.setEnabled(False)

    def _toggle_library(self, name: str, on: bool) -> None:
        chosen = [n for n in self.chat.setup.libraries if n != name] + ([name] if on else [])
        self.conversations.set_libraries(self.chat, chosen)
        self.refresh_libraries()
        if on:
            self._warm([name])

    def _citation(self, turn_id: int, number: int) -> None:
        for turn in self.chat.turns:
            if turn.id == turn_id:
                for citation in turn.citations:
                    if citation.n == number:
                        self.openCitation.emit(citation)
                        return

    def open_conversation(self, conversation_id: int | None, *, temporary: bool = False) -> None:
        """Show a saved conversation, or a new empty one (saved when you first send,
        unless it is ``temporary``: then nothing of it is ever written)."""
        if self.busy:
            self.stop()  # the answer is saved as stopped in its own conversation
            self._generation += 1
        self._editing = None
        self.status.clear()  # the last answer's figures belong to the last conversation
        try:
            self.chat = self.conversations.open(conversation_id, keep=not temporary)
        except HushdeskError:
            self.chat = self.conversations.open()
        self.temporary.setVisible(not self.chat.keep)
        setup = self.chat.setup
        self.persona.setCurrentIndex(max(0, self.persona.findData(setup.persona)))
        try:
            model = self.conversations.model_of(self.chat)
            self.model.setCurrentIndex(max(0, self.model.findData(model.id)))
        except HushdeskError as exc:
            self._show_error(exc)
        self.title.setText("Temporary chat" if temporary else self.chat.title)
        self.refresh_libraries()
        self._render()
        self._update_meter()
        self.composer.setFocus()

    def _render(self) -> None:
        session = self.chat.session
        self.view.set_turns(session.turns, session.context_from, placeholder=WELCOME)

    # -- actions --------------------------------------------------------------------------

    def preload(self) -> None:
        """Load the model in the background, before the first question."""
        chat = self.chat
        try:
            self.status.setText(f"Loading {self.conversations.model_of(chat).name}…")
        except HushdeskError as exc:
            self._show_error(exc)
            return
        self.tasks.run(
            lambda: self.conversations.preload(chat),
            pool="model",
            on_result=self._loaded,
            on_error=self._show_error,
        )
        self._warm(list(chat.setup.libraries))

    def _warm(self, libraries: list[str]) -> None:
        """The libraries' vectors and embedding model, loaded while the user types (a
        failure here is reported by the question itself)."""
        if libraries:
            documents = self.app.documents
            self.tasks.run(lambda: documents.warm(libraries))

    def _loaded(self, model: Any) -> None:
        if not self.busy:
            self.status.setText(f"Ready · {model.name} · offline")
        self._update_meter()

    def send(self) -> None:
        text, images = self.composer.toPlainText().strip(), self.attachments.images()
        if not text:
            return
        if images and not self.conversations.sees_images(self.chat):
            self.status.setText("⚠ " + NO_VISION)  # the message and its images stay
            return
        if self.busy:
            self.status.setText("The previous answer is still finishing — send again in a moment.")
            return
        chat, conversations = self.chat, self.conversations
        try:
            if conversations.save(chat):  # a new conversation: into the list at once
                self.conversationChanged.emit(chat.id or 0)
        except HushdeskError as exc:
            self._show_error(exc)
            return
        editing, self._editing = self._editing, None
        self.composer.clear()
        self.attachments.clear()
        if editing is not None:
            earlier = [t for t in chat.turns if t.id < editing]  # the worker truncates
            self.view.set_turns(earlier, chat.session.context_from)
        self.view.show_pending_question(text, images)
        self._pending_question, self._pending_edit = text, editing
        self._pending_images = images

        def work() -> Answer:
            if editing is not None:
                return conversations.edit(chat, editing, text)
            return conversations.send(chat, text, images)

        self._start(work)

    def regenerate(self) -> None:
        if self.busy:
            return
        chat = self.chat
        if chat.turns and chat.turns[-1].role == "assistant":
            self.view.set_turns(chat.turns[:-1], chat.session.context_from)
        self._start(lambda: self.conversations.regenerate(chat))

    def _stage(self, generation: int, stage: Stage) -> None:
        """An answer from documents before its first word: what it is doing, in the
        transcript where the answer will be and in the status line."""
        if generation != self._generation:
            return
        text = stage_text(stage, self.chat.setup.libraries)
        self.view.show_stage(text)
        self.status.setText(f"{text}  (Esc to stop)")

    def _thought(self, generation: int, text: str) -> None:
        if generation == self._generation:
            self.view.append_reasoning(text)
            name = self.model.currentText() or "The model"
            self.status.setText(f"{name} is thinking…  (Esc to stop)")

    def stop(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _start(self, work: Callable[[], Answer]) -> None:
        self.view.begin_answer()
        self._set_busy(True)
        name = self.model.currentText() or "The model"
        self.status.setText(f"{name} is writing…  (Esc to stop)")
        self._generation += 1
        current = self._generation

        def staged() -> Answer:
            answer = work()
            answer.on_stage = lambda stage: self.stageReached.emit(current, stage)
            answer.on_reasoning = lambda thought: self.thoughtArrived.emit(current, thought)
            return answer

        def mine(slot: Callable[[Any], None]) -> Callable[[Any], None]:
            """Drop results of an answer that belongs to a conversation no longer shown."""
            return lambda value: slot(value) if current == self._generation else None

        self._job = self.tasks.run(
            staged,
            pool="model",
            stream=True,
            on_text=mine(self._piece),
            on_result=mine(self._answered),
            on_error=mine(self._failed),
            on_finished=self._finished,
        )

    def _piece(self, text: str) -> None:
        if not self.view.streamed_text:
            name = self.model.currentText() or "The model"
            self.status.setText(f"{name} is writing…  (Esc to stop)")
        self.view.append_answer(text)
        self.meter.grow(1)  # a streamed piece is about a token; counted exactly at the end

    def _failed(self, error: BaseException) -> None:
        pending, self._pending_question = self._pending_question, None
        saved = any(t.role == "user" and t.content == pending for t in self.chat.turns[-2:])
        if pending and not saved and not self.composer.toPlainText().strip():
            self.composer.setPlainText(pending)  # nothing typed is ever lost
            self.attachments.set_images(self._pending_images)
            self._editing = self._pending_edit
        if isinstance(error, Cancelled):
            self.status.setText("Stopped before the answer began.")
        else:
            self._show_error(error)

    def _answered(self, result: Any) -> None:
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
        self._job = None
        self._set_busy(False)
        self._render()
        if self.chat.id is not None:
            self.title.setText(self.conversations.title(self.chat))
            self.conversationChanged.emit(self.chat.id)
        self._update_meter()
        self.answerFinished.emit()

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self.model.setEnabled(not busy)
        self.persona.setEnabled(not busy)
        self.busyChanged.emit(busy)

    def _show_error(self, error: BaseException) -> None:
        self.status.setText(warning(error))

    def escape(self) -> None:
        """Esc: stop the answer, or leave editing."""
        if self.busy:
            self.stop()
        elif self._editing is not None:
            self._editing = None
            self.composer.clear()
            self.status.setText("Edit cancelled.")

    def _copy_turn(self, turn_id: int) -> None:
        for turn in self.chat.turns:
            if turn.id == turn_id:
                QGuiApplication.clipboard().setText(turn.content)
                self.status.setText("Copied.")

    def _read_turn(self, turn_id: int) -> None:
        turn = next((t for t in self.chat.turns if t.id == turn_id), None)
        if turn is not None:
            self.read_aloud.read(turn.content)

    def _last_answer(self) -> str:
        return next((t.content for t in reversed(self.chat.turns) if t.role == "assistant"), "")

    def _begin_edit(self, turn_id: int) -> None:
        if self.busy:
            return
        turn = next((t for t in self.chat.turns if t.id == turn_id), None)
        if turn is None:
            return
        self._editing = turn_id
        self.composer.setPlainText(turn.content)
        self.composer.setFocus()
        self.status.setText("Editing: Enter resends and replaces the later turns · Esc cancels")

    # -- this conversation's settings -----------------------------------------------------

    def _persona_chosen(self, _index: int) -> None:
        self.conversations.configure(self.chat, persona=str(self.persona.currentData()))
        self._update_meter()

    def edit_settings(self) -> None:
        setup = self.chat.setup
        sampling, defaults = dict(setup.sampling), self.app.settings.sampling
        dialog = ConversationSettings(setup.persona, setup.instructions, sampling, defaults, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        persona_id, prompt, sampling = dialog.values()
        self.conversations.configure(
            self.chat, persona=persona_id, instructions=prompt or "", sampling=sampling
        )
        self.persona.setCurrentIndex(max(0, self.persona.findData(persona_id)))
        self._update_meter()

    def _model_chosen(self, index: int) -> None:
        if self.header.more_models(index):  # not a model: the conversation keeps its own
            self.model.setCurrentIndex(max(0, self.model.findData(self._shown_model)))
            self.modelsWanted.emit()
            return
        model_id = self.model.currentData()
        if model_id:
            self.conversations.set_model(self.chat, str(model_id))
        self.preload()

    def _update_meter(self) -> None:
        chat = self.chat

        def show(value: tuple[int, int] | None) -> None:
            if value is not None:
                self.meter.show_usage(*value)

        self.tasks.run(
            lambda: self.conversations.context_used(chat),
            pool="model",
            on_result=show,
            on_error=lambda _e: None,
        )
