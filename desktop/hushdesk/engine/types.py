"""Plain data that crosses the boundary between the app and an engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hushdesk.settings import SamplingSettings

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "cancelled"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    images: tuple[bytes, ...] = ()  # PNG or JPEG, checked and re-encoded (assistant.images)

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


_DEFAULT = SamplingSettings()


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = _DEFAULT.temperature
    top_p: float = _DEFAULT.top_p
    top_k: int = _DEFAULT.top_k
    min_p: float = _DEFAULT.min_p
    repeat_penalty: float = _DEFAULT.repeat_penalty
    max_tokens: int = _DEFAULT.max_tokens
    seed: int = _DEFAULT.seed
    stop: tuple[str, ...] = ()
    grammar: str | None = None  # GBNF: the output must match it (e.g. one of a few labels)
    thinking: bool | None = None  # a reasoning model thinks first (None: as it does by default)
    thinking_budget: int = 0  # tokens of thinking at most, then it answers (0: no limit; local)
    lookup: bool = False  # drafts from the prompt checked in a batch (engine.lookup; local)
    cache_prompt: bool = True  # reuse earlier prompts' KV (local; off: read it all afresh)


@dataclass(frozen=True)
class LoadSpec:
    """What to load and how. ``n_ctx`` is an upper bound; the model's own limit wins."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 0
    n_batch: int = 512
    n_gpu_layers: int = 0  # -1: every layer; -2: as many as fit (engine.offload)
    chat_template: str | None = None
    lora_path: str | None = None
    mmproj_path: str | None = None  # the vision projector: the model sees images
    seed: int = -1


@dataclass(frozen=True)
class ModelInfo:
    path: str
    name: str
    architecture: str
    n_ctx: int
    n_ctx_train: int
    n_params: int
    n_threads: int
    has_chat_template: bool
    load_s: float
    n_gpu_layers: int = 0  # layers on a GPU
    reasons: bool = False  # its template speaks of thinking (<think>): a reasoning model
    thinking_switch: bool = False  # its template turns the thinking on and off
    vision: bool = False  # a vision projector is loaded with it: it sees images


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens reused from the KV cache of the previous turn
    prompt_eval_tokens: int = 0  # prompt tokens llama.cpp actually evaluated (its own counter)
    completion_tokens: int = 0
    ttft_s: float = 0.0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    thinking_s: float = 0.0  # a reasoning model's thinking, from its first word to the answer's
    answer_ttft_s: float = 0.0  # to the answer's first word (after any thinking)
    drafted_tokens: int = 0  # prompt-lookup drafts checked (engine.lookup), and
    confirmed_tokens: int = 0  # those the model confirmed: tokens had without a call
    finish_reason: FinishReason = "stop"

    @property
    def decode_tokens_per_s(self) -> float:
        return self.completion_tokens / self.decode_s if self.decode_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["decode_tokens_per_s"] = round(self.decode_tokens_per_s, 2)
        return out


@dataclass
class ChatResult:
    text: str = ""  # the answer alone
    reasoning: str = ""  # a reasoning model's thinking, kept out of ``text``
    stats: GenerationStats = field(default_factory=GenerationStats)
