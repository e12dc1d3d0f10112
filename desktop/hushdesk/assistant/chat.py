"""A conversation with the model: history in, streamed answer out, history kept.

The rendered history stays byte-identical between turns (answers are stored exactly
as generated) so the engine reuses its KV cache and only evaluates the new turn.
"""

from __future__ import annotations

from collections.abc import Iterator

from hushdesk import assets
from hushdesk.engine.base import ChatStream, Engine
from hushdesk.engine.types import Message, SamplingParams


def default_system_prompt() -> str:
    return str(assets.read_toml("prompts", "personas.toml")["general"]["system"]).strip()


class ChatSession:
    def __init__(
        self, engine: Engine, params: SamplingParams, system_prompt: str | None = None
    ) -> None:
        self.engine = engine
        self.params = params
        self.messages: list[Message] = []
        if system_prompt:
            self.messages.append(Message("system", system_prompt))

    def send(self, text: str) -> ChatStream:
        """Stream the answer to ``text``; when it ends (done, stopped or failed) the
        exchange is in ``messages``, with a partial answer kept if one was written."""
        self.messages.append(Message("user", text))
        inner = self.engine.chat(self.messages, self.params)
        return ChatStream(self._record(inner), inner.result)

    def _record(self, inner: ChatStream) -> Iterator[str]:
        try:
            yield from inner
        finally:
            inner.close()
            answer = inner.result.text
            if answer:
                self.messages.append(Message("assistant", answer))
            else:
                self.messages.pop()  # nothing came back: forget the question, keep history valid

    def reset(self) -> None:
        self.messages = [m for m in self.messages if m.role == "system"]
