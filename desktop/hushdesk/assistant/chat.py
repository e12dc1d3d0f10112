"""A conversation with the model: turns in, streamed answer out, every turn kept.

- With a ``ConversationStore`` every turn is saved as it completes (a stopped answer as
  "stopped"), so a crash loses at most the answer being written. A question is saved
  before it is answered.
- Regenerate and edit change nothing until the new answer has text; then the old
  turns are replaced in one transaction. A failed or empty retry keeps what was there.
- Answers are stored exactly as generated (an answer from documents, as held to its
  sources: see ``grounding.settle``) and the prompt is rebuilt from the same turns each
  time, so the rendered history is byte-identical between turns and the engine only
  evaluates the new turn (warm KV cache).
- When the history outgrows the model's context, the oldest exchanges leave the
  model's view in one step (down to ~60 % of the budget, so this happens rarely and
  the cache stays warm in between). ``context_from`` marks where the view starts; the
  turns before it stay in the history and on screen. The newest message is never cut.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hushdesk.assistant.chat_store import (
    ConversationStore,
    NewMessage,
    Status,
    StoredMessage,
    auto_title,
)
from hushdesk.assistant.citations import Citation
from hushdesk.assistant.grounding import Check, Grounding, abstain_text, settle
from hushdesk.assistant.grounding import system_prompt as grounding_system_prompt
from hushdesk.engine.base import ChatStream, Engine, Stopper
from hushdesk.engine.types import ChatResult, GenerationStats, Message, SamplingParams
from hushdesk.errors import ContextOverflow, HushdeskError, StoreError

log = logging.getLogger("hushdesk.assistant")

Grounder = Callable[[str], Grounding]  # question → sources and the prompt that carries them

REFILL_FRACTION = 0.6
PENDING = 2**62  # id of an edited question that is not saved yet (always "newest")


@dataclass
class Turn:
    id: int
    role: Literal["user", "assistant"]
    content: str
    status: Status = "complete"
    citations: tuple[Citation, ...] = ()  # sources of an answer from documents
    checks: tuple[dict[str, Any], ...] = ()  # how each of its sentences fared (grounding.Check)
    reasoning: str = ""  # a reasoning model's thinking: shown apart, never sent back
    thinking_s: float = 0.0
    images: tuple[bytes, ...] = ()  # sent with a question (PNG, as the model gets them)


@dataclass(frozen=True)
class Stage:
    """Where an answer from documents is before its first word: searching the libraries,
    then the model reading ``passages`` passages of ``files`` documents."""

    kind: Literal["searching", "reading"]
    passages: int = 0
    files: int = 0


class Answer(ChatStream):
    """One answer as the model writes it (a ``ChatStream``: iterate it, ``stop`` it);
    once it ended, the turn kept for it (``turn``) with the sources it was given
    (``citations``), and the text as held to them (``text``). ``on_stage`` hears each
    ``Stage`` before the first word, on the thread that iterates."""

    def __init__(self, write: Callable[[Answer], Iterator[str]], stop: Callable[[], None]):
        self.turn: Turn | None = None
        self.on_stage: Callable[[Stage], None] | None = None
        super().__init__(write(self), ChatResult(), stop)  # runs when first iterated

    def reached(self, stage: Stage) -> None:
        if self.on_stage is not None:
            self.on_stage(stage)

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def stats(self) -> GenerationStats:
        return self.result.stats

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.turn.citations if self.turn is not None else ()


class ChatSession:
    def __init__(
        self,
        engine: Engine,
        params: SamplingParams,
        system_prompt: str | None = None,
        *,
        store: ConversationStore | None = None,
        conversation_id: int | None = None,
        model_id: str | None = None,
        grounder: Grounder | None = None,
        family: str = "",
    ) -> None:
        self.engine = engine
        self.grounder = grounder
        self.family = family  # the model's prompt family (assets.family_of)
        self.params = params
        # Regenerate's sampling where ``params`` is greedy by default (the same question
        # asked again wants another answer); None: ``params``.
        self.retry_params: SamplingParams | None = None
        self.system_prompt = system_prompt
        self.store = store
        self.conversation_id = conversation_id
        self.model_id = model_id
        self.turns: list[Turn] = []
        self.context_from: int | None = None
        self._next_id = 1
        if store is not None and conversation_id is not None:
            conversation = store.get(conversation_id)
            if conversation is None:
                raise HushdeskError("That conversation no longer exists.")
            self.context_from = conversation.context_from
            self.turns = [_turn(m.id, m) for m in store.messages(conversation_id)]
            self._next_id = max((t.id for t in self.turns), default=0) + 1

    # -- what the model sees --------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """The prompt for the current turns."""
        return self._prompt(self.turns, self.context_from)

    def _prompt(
        self, turns: Sequence[Turn], context_from: int | None, grounding: Grounding | None = None
    ) -> list[Message]:
        """System prompt, then the turns in view. A question that never got an answer
        (it failed) is left out once a newer one follows, so roles alternate. With
        grounding, the newest question carries the sources (and only it, so the rest of
        the history renders the same every turn)."""
        system = self.system_prompt or ""
        if self.grounder is not None:
            system = f"{system}\n\n{grounding_system_prompt(self.family)}".strip()
        out = [Message("system", system)] if system else []
        visible = _visible(turns, context_from)
        for i, turn in enumerate(visible):
            following = visible[i + 1] if i + 1 < len(visible) else None
            if turn.role == "user" and following is not None and following.role == "user":
                continue
            out.append(Message(turn.role, turn.content, turn.images))
        if grounding is not None and out and out[-1].role == "user":
            out[-1] = Message("user", grounding.prompt, out[-1].images)
        return out

    # -- actions --------------------------------------------------------------------------

    def send(self, text: str, images: Sequence[bytes] = ()) -> Answer:
        """Save the question (and the images sent with it) now; the answer streams when
        the result is iterated."""
        self._store([NewMessage("user", text, images=tuple(images))])
        return self._answer(list(self.turns))

    def regenerate(self) -> Answer:
        """Answer the last question again; the new answer replaces the last one."""
        base, replace_from = list(self.turns), None
        if base and base[-1].role == "assistant":
            replace_from = base[-1].id
            base = base[:-1]
        if not base or base[-1].role != "user":
            raise HushdeskError("There is no question to answer again.")
        return self._answer(base, replace_from=replace_from, params=self.retry_params)

    def edit(self, turn_id: int, text: str) -> Answer:
        """Replace one of your messages and what followed it, once the new answer comes."""
        turn = next((t for t in self.turns if t.id == turn_id), None)
        if turn is None or turn.role != "user":
            raise HushdeskError("Only your own messages can be edited.")
        edited = Turn(PENDING, "user", text, images=turn.images)  # its images stay
        base = [t for t in self.turns if t.id < turn_id] + [edited]
        return self._answer(base, replace_from=turn_id, question=edited)

    def preset(self, exchange: Sequence[tuple[str, str]]) -> None:
        """Earlier turns that come from elsewhere, not from a store (the local API sends
        the whole exchange with each request): (role, text), user and assistant."""
        self.turns = [
            Turn(n, "assistant" if role == "assistant" else "user", text)
            for n, (role, text) in enumerate(exchange, start=1)
        ]
        self._next_id = len(self.turns) + 1

    def reset(self) -> None:
        self.turns = []
        self.context_from = None

    # -- one answer -----------------------------------------------------------------------

    def _answer(
        self,
        base: list[Turn],
        *,
        replace_from: int | None = None,
        question: Turn | None = None,
        params: SamplingParams | None = None,
    ) -> Answer:
        stopper, sampling = Stopper(), params or self.params

        def write(answer: Answer) -> Iterator[str]:
            return self._run(answer, stopper, base, replace_from, question, params=sampling)

        return Answer(write, stopper.stop)

    def _run(
        self,
        answer: Answer,
        stopper: Stopper,
        base: list[Turn],
        replace_from: int | None,
        question: Turn | None,
        *,
        params: SamplingParams,
    ) -> Iterator[str]:
        result = answer.result
        context_from = self.context_from
        if replace_from is not None and context_from is not None and context_from >= replace_from:
            context_from = None
        grounding = None
        if self.grounder is not None:
            answer.reached(Stage("searching"))
            grounding = self.grounder(base[-1].content)
            found = grounding.citations
            if not grounding.abstain:
                answer.reached(Stage("reading", len(found), len({c.file_id for c in found})))
        if grounding is not None and grounding.abstain:
            result.text = abstain_text()  # no guess when the documents do not say
            yield result.text
            self._commit(
                answer,
                "complete",
                replace_from=replace_from,
                question=question,
                context_from=self.context_from,
                failed=False,
            )
            return
        with self.engine.hold(stopper) as got:  # one turn on a shared model: count, then write
            if not got:  # stopped while it waited for the model
                result.stats.finish_reason = "cancelled"
                return
            context_from = self._fit(base, context_from, grounding)
            inner = stopper.begin(
                self.engine.chat(self._prompt(base, context_from, grounding), params)
            )
            failed = False
            try:
                yield from inner.pieces()  # the thinking passes on as ``Thought``
            except BaseException:
                failed = True
                raise
            finally:
                inner.close()
                result.text, result.stats = inner.result.text, inner.result.stats
                result.reasoning = inner.result.reasoning
                if result.text or result.reasoning:
                    status: Status = "complete"
                    checks: tuple[Check, ...] = ()
                    if failed:
                        status = "error"
                    elif result.stats.finish_reason == "cancelled":
                        status = "stopped"
                    elif grounding is not None:  # held to its sources before it is kept
                        held = settle(result.text, grounding, base[-1].content, self.family)
                        result.text, checks = held.text, held.checks
                    self._commit(
                        answer,
                        status,
                        replace_from=replace_from,
                        question=question,
                        context_from=context_from,
                        failed=failed,
                        citations=grounding.citations if grounding else (),
                        checks=checks,
                    )

    def _commit(
        self,
        answer: Answer,
        status: Status,
        *,
        replace_from: int | None,
        question: Turn | None,
        context_from: int | None,
        failed: bool,
        citations: Sequence[Citation] = (),
        checks: Sequence[Check] = (),
    ) -> None:
        """Save the answer (and an edited question) in place of the old turns."""
        new: list[NewMessage] = []
        if question is not None:
            new.append(NewMessage("user", question.content, images=question.images))
        how = tuple(c.to_dict() for c in checks)
        new.append(NewMessage("assistant", answer.text, status, tuple(citations), how,
                              answer.result.reasoning, answer.result.stats.thinking_s))  # fmt: skip
        moved = context_from != self.context_from
        try:
            self._store(new, replace_from=replace_from, context_from=context_from, moved=moved)
        except StoreError:
            if not failed:
                raise  # the answer is on screen; the user must learn it was not saved
            log.exception("could not save a partial answer")
        finally:
            answer.turn = self.turns[-1]  # kept in memory even when saving failed
        self._name_conversation()

    def _store(
        self,
        new: list[NewMessage],
        *,
        replace_from: int | None = None,
        context_from: int | None = None,
        moved: bool = False,
    ) -> None:
        """Record turns in memory and, when stored, in the store, in one transaction.

        If saving fails the turns are still kept in memory (and shown), and the
        ``StoreError`` is raised for the caller to report.
        """
        error: StoreError | None = None
        ids: list[int] = []
        if self.store is not None and self.conversation_id is not None:
            try:
                stored = self.store.replace_tail(
                    self.conversation_id,
                    replace_from,
                    new,
                    model_id=self.model_id,
                    context_from=(context_from, moved),
                )
                ids = [m.id for m in stored]
            except StoreError as exc:
                error = exc
        if not ids:
            ids = list(range(self._next_id, self._next_id + len(new)))
        self._next_id = max(ids) + 1
        if replace_from is not None:
            self.turns = [t for t in self.turns if t.id < replace_from]
        self.turns += [_turn(i, m) for i, m in zip(ids, new, strict=True)]
        if moved:
            self.context_from = context_from
        if error is not None:
            raise error

    def _fit(
        self, base: list[Turn], context_from: int | None, grounding: Grounding | None = None
    ) -> int | None:
        """Where the model's view must start for ``base`` to fit; nothing is changed.

        Raises ``ContextOverflow`` when even the newest question alone does not fit.
        """
        model = self.engine.model
        if model is None:
            return context_from
        budget = model.n_ctx - min(self.params.max_tokens, model.n_ctx // 2)
        used = self.engine.count_tokens(self._prompt(base, context_from, grounding))
        if used <= budget:
            return context_from
        target = int(budget * REFILL_FRACTION)
        while used > target:
            # Start the view at the next question after the oldest one, keeping the newest.
            later_questions = [t for t in _visible(base, context_from)[1:] if t.role == "user"]
            if not later_questions:
                break
            context_from = later_questions[0].id
            used = self.engine.count_tokens(self._prompt(base, context_from, grounding))
        if used > budget:
            raise ContextOverflow(
                f"Your message is too long for this model: with the system prompt it takes "
                f"{used:,} tokens, and {budget:,} are available (context {model.n_ctx:,}, "
                f"minus {model.n_ctx - budget:,} kept for the answer). Shorten it or choose "
                "a model with a longer context."
            )
        return context_from

    def _name_conversation(self) -> None:
        if self.store is None or self.conversation_id is None:
            return
        conversation = self.store.get(self.conversation_id)
        if conversation is None or not conversation.title_is_auto:
            return
        first = next((t.content for t in self.turns if t.role == "user"), "")
        title = auto_title(first)
        if conversation.title != title:
            self.store.update(self.conversation_id, title=title)


def _visible(turns: Sequence[Turn], context_from: int | None) -> list[Turn]:
    if context_from is None:
        return list(turns)
    return [t for t in turns if t.id >= context_from]


def _turn(turn_id: int, m: NewMessage | StoredMessage) -> Turn:
    """A message, stored or new, as a turn of the conversation."""
    return Turn(turn_id, m.role, m.content, m.status, m.citations, m.checks, m.reasoning,
                m.thinking_s, m.images)  # fmt: skip
