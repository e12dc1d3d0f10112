"""A conversation with the model: turns in, streamed answer out, every turn kept.

- With a ``History`` every turn is saved as it completes (a stopped answer as
  "stopped"), so a crash loses at most the answer being written.
- Answers are stored exactly as generated and the prompt is rebuilt from the same
  turns each time, so the rendered history is byte-identical between turns and the
  engine only evaluates the new turn (warm KV cache).
- When the history outgrows the model's context, the oldest exchanges leave the
  model's view in one step (down to ~60 % of the budget, so this happens rarely and
  the cache stays warm in between). ``context_from`` marks where the view starts; the
  turns before it stay in the history and on screen. The newest message is never cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from hushdesk.assistant import personas
from hushdesk.engine.base import ChatStream, Engine
from hushdesk.engine.types import ChatResult, Message, SamplingParams
from hushdesk.errors import ContextOverflow, HushdeskError
from hushdesk.history import History, Status, auto_title

REFILL_FRACTION = 0.6


def default_system_prompt() -> str:
    return personas.get(personas.DEFAULT).system


@dataclass
class Turn:
    id: int
    role: Literal["user", "assistant"]
    content: str
    status: Status = "complete"


class ChatSession:
    def __init__(
        self,
        engine: Engine,
        params: SamplingParams,
        system_prompt: str | None = None,
        *,
        history: History | None = None,
        conversation_id: int | None = None,
        model_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.params = params
        self.system_prompt = system_prompt
        self.history = history
        self.conversation_id = conversation_id
        self.model_id = model_id
        self.turns: list[Turn] = []
        self.context_from: int | None = None
        self._next_id = 1
        if history is not None and conversation_id is not None:
            conversation = history.get(conversation_id)
            if conversation is None:
                raise HushdeskError("That conversation no longer exists.")
            self.context_from = conversation.context_from
            self.turns = [
                Turn(m.id, m.role, m.content, m.status) for m in history.messages(conversation_id)
            ]

    # -- what the model sees --------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """The prompt: system prompt, then the turns in view. A question that never got
        an answer (it failed) is left out once a newer one follows, so roles alternate."""
        out = [Message("system", self.system_prompt)] if self.system_prompt else []
        visible = self.visible_turns()
        for i, turn in enumerate(visible):
            following = visible[i + 1] if i + 1 < len(visible) else None
            if turn.role == "user" and following is not None and following.role == "user":
                continue
            out.append(Message(turn.role, turn.content))
        return out

    def visible_turns(self) -> list[Turn]:
        if self.context_from is None:
            return list(self.turns)
        return [t for t in self.turns if t.id >= self.context_from]

    # -- actions --------------------------------------------------------------------------

    def send(self, text: str) -> ChatStream:
        """Save the question now; the answer streams when the result is iterated."""
        self._add("user", text)
        return self._answer()

    def regenerate(self) -> ChatStream:
        """Answer the last question again, replacing the last answer."""
        if self.turns and self.turns[-1].role == "assistant":
            self._truncate(self.turns[-1].id)
        if not self.turns or self.turns[-1].role != "user":
            raise HushdeskError("There is no question to answer again.")
        return self._answer()

    def edit(self, turn_id: int, text: str) -> ChatStream:
        """Replace one of your messages; everything after it is discarded."""
        turn = next((t for t in self.turns if t.id == turn_id), None)
        if turn is None or turn.role != "user":
            raise HushdeskError("Only your own messages can be edited.")
        self._truncate(turn_id)
        return self.send(text)

    def reset(self) -> None:
        self.turns = []
        self.context_from = None

    # -- internals ------------------------------------------------------------------------

    def _answer(self) -> ChatStream:
        result = ChatResult()
        return ChatStream(self._run(result), result)

    def _run(self, result: ChatResult) -> Iterator[str]:
        self._fit_context()
        inner = self.engine.chat(self.messages, self.params)
        failed = False
        try:
            yield from inner
        except BaseException:
            failed = True
            raise
        finally:
            inner.close()
            result.text, result.stats = inner.result.text, inner.result.stats
            if result.text:
                status: Status = "complete"
                if failed:
                    status = "error"
                elif result.stats.finish_reason == "cancelled":
                    status = "stopped"
                self._add("assistant", result.text, status)
                self._name_conversation()

    def _add(
        self, role: Literal["user", "assistant"], text: str, status: Status = "complete"
    ) -> None:
        if self.history is not None and self.conversation_id is not None:
            stored = self.history.add_message(
                self.conversation_id, role, text, status=status, model_id=self.model_id
            )
            turn_id = stored.id
        else:
            turn_id = self._next_id
        self._next_id = turn_id + 1
        self.turns.append(Turn(turn_id, role, text, status))

    def _truncate(self, turn_id: int) -> None:
        if self.history is not None and self.conversation_id is not None:
            self.history.delete_from(self.conversation_id, turn_id)
        self.turns = [t for t in self.turns if t.id < turn_id]
        if self.context_from is not None and self.context_from >= turn_id:
            self.context_from = None

    def _fit_context(self) -> None:
        model = self.engine.model
        if model is None:
            return
        budget = model.n_ctx - min(self.params.max_tokens, model.n_ctx // 2)
        used = self.engine.count_tokens(self.messages)
        if used <= budget:
            return
        target = int(budget * REFILL_FRACTION)
        moved = False
        while used > target:
            visible = self.visible_turns()
            # Start the view at the next question after the oldest one, keeping the newest.
            later_questions = [t for t in visible[1:] if t.role == "user"]
            if not later_questions:
                break
            self.context_from = later_questions[0].id
            moved = True
            used = self.engine.count_tokens(self.messages)
        if moved and self.history is not None and self.conversation_id is not None:
            self.history.update(self.conversation_id, context_from=self.context_from)
        if used > budget:
            raise ContextOverflow(
                f"Your message is too long for this model: with the system prompt it takes "
                f"{used:,} tokens, and {budget:,} are available (context {model.n_ctx:,}, "
                f"minus {model.n_ctx - budget:,} kept for the answer). Shorten it or choose "
                "a model with a longer context."
            )

    def _name_conversation(self) -> None:
        if self.history is None or self.conversation_id is None:
            return
        conversation = self.history.get(self.conversation_id)
        if conversation is None or not conversation.title_is_auto:
            return
        first = next((t.content for t in self.turns if t.role == "user"), "")
        title = auto_title(first)
        if conversation.title != title:
            self.history.update(self.conversation_id, title=title)
