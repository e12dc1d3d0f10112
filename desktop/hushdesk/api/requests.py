"""The bodies the local API accepts (``api.server``), validated by pydantic: what an
OpenAI client sends, and the ``hushdesk`` extension (libraries, keeping the exchange)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hushdesk.services.conversations import strip_thinking


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """Plain content, or the text parts of a list of parts (images are not read)."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""

    def history_text(self) -> str:
        """The text as the conversation keeps it: an assistant's without the thinking a
        client sent back in it (reasoning must not re-enter the context;
        ``reasoning_content`` is never read)."""
        return strip_thinking(self.text()) if self.role == "assistant" else self.text()


class HushdeskOptions(BaseModel):
    libraries: list[str] = Field(default_factory=list)
    save: bool = False  # keep the exchange as a conversation in the app


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    # {"enable_thinking": false}: a reasoning model's switch, as llama-server takes it
    chat_template_kwargs: dict[str, Any] | None = None
    hushdesk: HushdeskOptions | None = None


class EmbeddingRequest(BaseModel):
    input: str | list[str]
    model: str | None = None
    encoding_format: Literal["float", "base64"] = "float"


class SearchRequest(BaseModel):
    library: str
    query: str = Field(min_length=1)
    k: int = Field(default=5, ge=1, le=50)
