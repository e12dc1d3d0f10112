"""Conversations: the one place that decides what the model is told in a chat (system
prompt, persona), which model and sampling a conversation uses, and what is saved.

The GUI, ``hushdesk ask|chat`` and the API open a ``Chat`` and send through this
service, so the same settings give the same prompt everywhere. A new chat is a draft
until its first message: its setup (persona, instructions, sampling, libraries, model)
is kept with the conversation when that message is saved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hushdesk.assistant import images, personas
from hushdesk.assistant.chat import Answer, ChatSession, Grounder, Stage, Turn
from hushdesk.assistant.chat_store import (
    Conversation,
    ConversationStore,
    NewMessage,
    SearchHit,
)
from hushdesk.assistant.citations import Citation
from hushdesk.assistant.grounding import cited_numbers
from hushdesk.engine.base import ChatStream, Stopper
from hushdesk.engine.reasoning import Thought, strip_thinking
from hushdesk.engine.vision import NO_VISION
from hushdesk.errors import HushdeskError, ModelError, StoreError
from hushdesk.models.registry import InstalledModel
from hushdesk.services.runtime import ModelRuntime
from hushdesk.settings import Settings

__all__ = [
    "IMAGE_FILES",
    "NO_VISION",
    "Answer",
    "Chat",
    "ChatSetup",
    "ChatStream",
    "Citation",
    "Conversation",
    "Conversations",
    "SearchHit",
    "Stage",
    "Stopper",
    "Thought",
    "Turn",
    "cited_numbers",
    "personas",
    "strip_thinking",
]

GrounderFactory = Callable[[Sequence[str]], Grounder | None]
MAX_IMAGES = images.MAX_IMAGES
IMAGE_FILES = images.SUFFIXES
GROUNDED_TEMPERATURE = 0.0  # answers from documents, unless the conversation sets one


@dataclass
class ChatSetup:
    """How a conversation answers."""

    persona: str = personas.DEFAULT
    instructions: str | None = None  # the conversation's own system prompt
    sampling: dict[str, Any] = field(default_factory=dict)  # overrides of the defaults
    libraries: list[str] = field(default_factory=list)  # answers cite these libraries
    model_id: str | None = None  # None: the default chat model

    @classmethod
    def of(cls, conversation: Conversation) -> ChatSetup:
        return cls(
            persona=conversation.persona,
            instructions=conversation.system_prompt,
            sampling=dict(conversation.sampling),
            libraries=list(conversation.libraries),
            model_id=conversation.model_id,
        )


@dataclass
class Chat:
    """One conversation open in a front end: saved (``id``), or new and saved when its
    first message is sent (unless ``keep`` is off, as for ``hushdesk ask``)."""

    setup: ChatSetup
    session: ChatSession
    id: int | None = None
    title: str = "New chat"
    keep: bool = True

    @property
    def turns(self) -> list[Turn]:
        return self.session.turns


class Conversations:
    def __init__(
        self,
        store: ConversationStore,
        settings: Settings,
        runtime: ModelRuntime,
        grounders: GrounderFactory = lambda _names: None,
        standing: str = "",
    ) -> None:
        self.store = store
        self.settings = settings
        self.runtime = runtime
        self._grounders = grounders
        self.standing = standing  # the open matter's standing instructions

    @property
    def recovered_from(self) -> Path | None:
        """Where a damaged conversation database was set aside at start-up, if it was."""
        return self.store.recovered_from

    # -- the rule -------------------------------------------------------------------------

    def system_prompt(self, setup: ChatSetup) -> str:
        """What the model is told first, for every front end: the conversation's own
        instructions; else, with the default persona, the user's default instructions
        (settings ``system_prompt``); else the persona's prompt. The matter's standing
        instructions follow, whichever it was."""
        prompt = self._own_prompt(setup)
        if self.standing.strip():
            prompt += f"\n\nStanding instructions for this matter: {self.standing.strip()}"
        return prompt

    def _own_prompt(self, setup: ChatSetup) -> str:
        if setup.instructions and setup.instructions.strip():
            return setup.instructions.strip()
        default = self.settings.system_prompt
        if setup.persona == personas.DEFAULT and default and default.strip():
            return default.strip()
        return personas.get(setup.persona).system

    def model_of(self, chat: Chat) -> InstalledModel:
        """The conversation's model, or the default one if it is gone."""
        return self.runtime.chat_model_or(chat.setup.model_id)

    def sees_images(self, chat: Chat) -> bool:
        """Whether the conversation's model takes images: a local one with its vision
        projector; a server's model is asked (the server says if it cannot)."""
        model = self.model_of(chat)
        return model.remote or "mmproj" in model.details

    def _model_or_none(self, setup: ChatSetup) -> InstalledModel | None:
        try:
            return self.runtime.chat_model_or(setup.model_id)
        except ModelError:
            return None

    # -- opening --------------------------------------------------------------------------

    def open(
        self,
        conversation_id: int | None = None,
        setup: ChatSetup | None = None,
        *,
        keep: bool = True,
    ) -> Chat:
        """A saved conversation, or a new one with ``setup`` (defaults when not given)."""
        conversation = self.store.get(conversation_id) if conversation_id is not None else None
        if conversation_id is not None and conversation is None:
            raise HushdeskError("That conversation no longer exists.")
        if conversation is None:
            setup = setup or ChatSetup()
            return Chat(setup, self._session(setup, None), keep=keep)
        setup = ChatSetup.of(conversation)
        session = self._session(setup, conversation.id)
        return Chat(setup, session, conversation.id, conversation.title, keep)

    def _session(self, setup: ChatSetup, conversation_id: int | None) -> ChatSession:
        model = self._model_or_none(setup)  # None: no chat model, said when it is used
        session = ChatSession(
            self.runtime.engine_for(model) if model else self.runtime.engine,
            self.runtime.sampling(model, **setup.sampling),
            self.system_prompt(setup),
            store=self.store if conversation_id is not None else None,
            conversation_id=conversation_id,
            model_id=model.id if model else None,
            grounder=self._grounders(setup.libraries),
            family=model.prompt_family if model else "",
        )
        self._tune(session, model, setup)
        return session

    def _tune(self, session: ChatSession, model: InstalledModel | None, setup: ChatSetup) -> None:
        """The answers' sampling: the conversation's own settings, else the model's and
        the app's — but greedy when answering from documents (fewer refusals and invented
        facts on bench/quality.py, docs/QUALITY.md), with the ordinary sampling kept for
        Regenerate."""
        params = self.runtime.sampling(model, **setup.sampling)
        session.params, session.retry_params = params, None
        if setup.libraries and "temperature" not in setup.sampling:
            session.params = replace(params, temperature=GROUNDED_TEMPERATURE)
            session.retry_params = params

    def save(self, chat: Chat) -> bool:
        """Save a new conversation with its setup; True when it was created now."""
        if chat.id is not None or not chat.keep:
            return False
        setup = chat.setup
        model = self.model_of(chat)
        conversation = self.store.create(
            persona=setup.persona, system_prompt=setup.instructions, model_id=model.id
        )
        if setup.sampling or setup.libraries:
            self.store.update(conversation.id, sampling=setup.sampling, libraries=setup.libraries)
        chat.id, chat.title = conversation.id, conversation.title
        chat.setup = replace(setup, model_id=model.id)
        chat.session = self._session(chat.setup, chat.id)
        return True

    # -- answering (streams read on a worker: they wait for the model's turn and load it)

    def send(self, chat: Chat, text: str, images: Sequence[bytes] = ()) -> Answer:
        """Save the question (and a new conversation); the answer, as it is written.
        ``images``: as ``image`` made them, at most ``images.MAX_IMAGES``."""
        if len(images) > MAX_IMAGES:
            raise HushdeskError(f"At most {MAX_IMAGES} images can go with one message.")
        if images and not self.sees_images(chat):
            raise ModelError(NO_VISION)  # before anything is saved: the message stays typed
        self.save(chat)
        return chat.session.send(text, images)

    @staticmethod
    def image(source: Path | bytes, name: str = "the image", page: int = 1) -> bytes:
        """An image file (PNG, JPEG, WebP; a PDF's ``page``) or pasted image data, read
        in a child and re-encoded as the PNG the model gets (``assistant.images``)."""
        if isinstance(source, Path):
            return images.from_file(source, page)
        return images.prepare(source, name)

    def answer(
        self, exchange: Sequence[tuple[str, str]], setup: ChatSetup, *, keep: bool = False
    ) -> Answer:
        """A one-off answer to a whole exchange (the local API): (role, text) pairs with
        the question last; system messages become the instructions. The chat's rules
        apply (system prompt, grounding in ``setup.libraries``, the answer held to its
        sources). Nothing is saved unless ``keep``: then the exchange and its answer
        become a conversation in the list."""
        system = "\n\n".join(text for role, text in exchange if role == "system").strip()
        if system:
            setup = replace(setup, instructions=system)
        turns = [(role, text) for role, text in exchange if role != "system"]
        if not turns or turns[-1][0] != "user":
            raise HushdeskError("The last message must be the user's question.")
        model = self.runtime.chat_model(setup.model_id)
        setup = replace(setup, model_id=model.id)
        if not keep:
            session = self._session(setup, None)
            session.preset(turns[:-1])
            return session.send(turns[-1][1])
        chat = self.open(setup=setup)
        self.save(chat)
        assert chat.id is not None
        earlier = [
            NewMessage("assistant" if r == "assistant" else "user", t) for r, t in turns[:-1]
        ]
        if earlier:
            self.store.replace_tail(chat.id, None, earlier, model_id=model.id)
        chat = self.open(chat.id)  # with those turns
        return chat.session.send(turns[-1][1])

    def regenerate(self, chat: Chat) -> Answer:
        return chat.session.regenerate()

    def edit(self, chat: Chat, turn_id: int, text: str) -> Answer:
        """Replace one of your messages; what followed it goes once the new answer comes."""
        return chat.session.edit(turn_id, text)

    def stop(self) -> None:
        """Stop whatever the model is writing (the terminal's Ctrl+C; a front end that
        holds its stream stops that one: ``ChatStream.stop``)."""
        self.runtime.stop()

    def preload(self, chat: Chat) -> InstalledModel:
        """Load the conversation's model ahead of the first question."""
        model = self.model_of(chat)
        self.runtime.ensure_loaded(model)
        return model

    def context_used(self, chat: Chat) -> tuple[int, int] | None:
        """(tokens the conversation takes, its model's context) while that model is
        loaded (counting never loads one)."""
        model = self.model_of(chat)
        info = self.runtime.loaded_as(model)
        if info is None:
            return None
        messages = chat.session.messages
        if model.remote:  # estimated here: nothing is sent to the server before a question
            from hushdesk.engine.remote import estimate_tokens

            return (estimate_tokens(messages) if messages else 0), info.n_ctx
        used = self.runtime.engine_for(model).count_tokens(messages) if messages else 0
        return used, info.n_ctx

    # -- changing a conversation ----------------------------------------------------------

    def configure(
        self,
        chat: Chat,
        *,
        persona: str | None = None,
        instructions: str | None = None,
        sampling: dict[str, Any] | None = None,
    ) -> None:
        """New persona (its own prompt replaces earlier instructions unless new ones
        are given), instructions or sampling; saved, and used from the next answer."""
        setup = chat.setup
        if persona is not None:
            setup.persona, setup.instructions = persona, None
        if instructions is not None:
            setup.instructions = instructions.strip() or None
        if sampling is not None:
            setup.sampling = dict(sampling)
        if chat.id is not None:
            self.store.update(
                chat.id,
                persona=setup.persona,
                system_prompt=setup.instructions,
                sampling=setup.sampling,
            )
        chat.session.system_prompt = self.system_prompt(setup)
        self._tune(chat.session, self._model_or_none(setup), setup)

    def set_model(self, chat: Chat, model_id: str) -> InstalledModel:
        chat.setup.model_id = model_id
        if chat.id is not None:
            self.store.update(chat.id, model_id=model_id)
        model = self.model_of(chat)
        chat.session.model_id = model.id
        chat.session.engine = self.runtime.engine_for(model)
        self._tune(chat.session, model, chat.setup)
        return model

    def set_libraries(self, chat: Chat, names: Sequence[str]) -> None:
        """Answer from these document libraries (none: from the model alone)."""
        chat.setup.libraries = list(names)
        if chat.id is not None:
            self.store.update(chat.id, libraries=chat.setup.libraries)
        chat.session.grounder = self._grounders(chat.setup.libraries)
        self._tune(chat.session, self._model_or_none(chat.setup), chat.setup)

    # -- the list of conversations --------------------------------------------------------

    def all(self) -> list[Conversation]:
        return self.store.conversations()

    def get(self, conversation_id: int) -> Conversation | None:
        return self.store.get(conversation_id)

    def title(self, chat: Chat) -> str:
        """The title as saved now (a first answer names a new conversation)."""
        conversation = self.store.get(chat.id) if chat.id is not None else None
        if conversation is not None:
            chat.title = conversation.title
        return chat.title

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        return self.store.search(text, limit)

    def rename(self, conversation_id: int, title: str) -> None:
        self.store.rename(conversation_id, title)

    def toggle_pin(self, conversation_id: int) -> None:
        conversation = self.store.get(conversation_id)
        if conversation is not None:
            self.store.update(conversation_id, pinned=not conversation.pinned)

    def delete(self, conversation_id: int) -> None:
        """Hidden at once; gone for good at ``purge`` (or the next start): undo till then."""
        self.store.delete(conversation_id)

    def undelete(self, conversation_id: int) -> None:
        self.store.undelete(conversation_id)

    def purge(self) -> None:
        self.store.purge()

    def import_chatgpt(self, path: Path) -> int:
        """The conversations of a ChatGPT export (``conversations.json``), each added
        whole with its own dates (so a matter's retention applies to them); how many."""
        from hushdesk.assistant import chatgpt_export

        now = time.time()
        added = 0
        for chat in chatgpt_export.read(path):
            messages = [NewMessage(role, text) for role, text in chat.messages]
            created = chat.created_at or now
            self.store.add_whole(chat.title, created, chat.updated_at or created, messages)
            added += 1
        return added

    def as_text(
        self, conversation_id: int, *, as_json: bool = False, thinking: bool = False
    ) -> str:
        """A conversation as Markdown, or as JSON, with its answers' sources (and a
        reasoning model's thinking with ``thinking``)."""
        from hushdesk.assistant import chat_export

        conversation = self.store.require(conversation_id)
        messages = self.store.messages(conversation_id)
        messages = messages if thinking else chat_export.without_thinking(messages)
        if as_json:
            return chat_export.as_json(conversation, messages)
        return chat_export.markdown(conversation, messages)

    def export(self, conversation_id: int, path: Path, *, thinking: bool = False) -> None:
        """Markdown, JSON or Word, by the file's suffix, with the answers' sources; a
        reasoning model's thinking only with ``thinking``."""
        from hushdesk.assistant import chat_export

        conversation = self.store.require(conversation_id)
        messages = self.store.messages(conversation_id)
        try:
            chat_export.write(conversation, messages, path, thinking=thinking)
        except OSError as exc:
            raise StoreError(f"Could not write {path.name}: {exc.strerror or exc}.") from exc

    def thought(self, conversation_id: int) -> bool:
        """Whether any answer of the conversation came with a reasoning model's thinking."""
        return any(m.reasoning for m in self.store.messages(conversation_id))

    def close(self) -> None:
        self.store.close()
