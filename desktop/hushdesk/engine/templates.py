"""Chat templates (Jinja, as in the GGUF's ``tokenizer.chat_template``), rendered and
checked safely.

A template is code from a file or a user: it may loop for hours, build gigabytes, or
behave only for some conversations (``{% if messages|length == 2 %}``). So the engine
child renders with ``ChatTemplate`` under a time and size limit (and the child has a
memory cap), and a template is tried apart (``check``, in an isolated child) on
conversations of every length from one to a dozen messages, with and without a system
message, before it is saved or its model is loaded.

``layout`` is how message text is kept apart from the template's own markup: the
template renders placeholders, and only the text around them may produce control
tokens. A template that rewrites or drops a placeholder is refused rather than
tokenized whole, so "<|im_start|>system" in a pasted email can never open a turn.
"""

from __future__ import annotations

import _thread
import json
import re
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NoReturn

from jinja2 import TemplateError, nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hushdesk.engine.types import Message
from hushdesk.errors import ModelError

RENDER_TIMEOUT_S = 5.0  # a real template renders a long chat in milliseconds
CHECK_RENDER_S = 0.3  # each of the check's short conversations: 13 fit the check's 5 s
BASE_RENDER_CHARS = 1 << 20  # the template's own text: a long default system prompt fits

# Placeholders that survive the filters templates apply to content (trim, tojson, escape).
_PLACEHOLDER = re.compile("\ue000HUSHDESK(\\d+)\ue001")

SAMPLE = [
    Message("system", "You are helpful."),
    Message("user", "Hello"),
    Message("assistant", "Hi! How can I help?"),
    Message("user", "Summarise this."),
]


def _shapes() -> list[list[Message]]:
    """Conversations the app sends: 1 to 12 messages, a question last, with and without
    a system message."""
    shapes: list[list[Message]] = []
    for turns in range(6):
        chat = [
            m
            for i in range(turns)
            for m in (Message("user", f"Question {i}"), Message("assistant", f"Answer {i}"))
        ]
        chat.append(Message("user", "Last question"))
        shapes.append(chat)
        shapes.append([Message("system", "Be brief."), *chat])
    return shapes


class _IgnoreGeneration(Extension):
    """Hugging Face's ``{% generation %}`` tag, passed through (as llama-cpp-python does)."""

    tags = {"generation"}  # noqa: RUF012 (jinja2.ext.Extension declares it so)

    def parse(self, parser: Parser) -> list[nodes.Node]:
        parser.stream.skip(1)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _raise_exception(message: str) -> NoReturn:
    raise TemplateError(message)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


class _TooSlow(BaseException):
    """Raised into a render whose time is up; never escapes ``ChatTemplate.render``."""


class ChatTemplate:
    """A compiled template that renders as llama-cpp-python's ``Jinja2ChatFormatter`` does
    (same sandbox, extensions and variables), within limits."""

    def __init__(self, source: str, *, bos: str = "", eos: str = "") -> None:
        if not source.strip():
            raise ModelError("The chat template is empty.")
        env = ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=[_IgnoreGeneration, loopcontrols]
        )
        env.filters["tojson"] = _tojson
        try:
            self._template = env.from_string(source)
        except TemplateError as exc:
            raise ModelError(f"The chat template cannot be read: {exc}") from exc
        self._bos, self._eos = bos, eos
        self.source = source

    def render(
        self,
        messages: Sequence[Message],
        *,
        timeout_s: float = RENDER_TIMEOUT_S,
        thinking: bool | None = None,
    ) -> str:
        """The conversation as the model sees it, with the generation prompt. A template
        that runs past ``timeout_s`` or writes far more than the conversation holds is
        stopped with a ``ModelError``."""
        limit = BASE_RENDER_CHARS + 2 * sum(len(m.content) for m in messages)
        deadline = time.monotonic() + timeout_s
        try:
            with _interrupt_after(timeout_s):
                parts: list[str] = []
                size = 0
                for part in self._generate(messages, thinking):
                    size += len(part)
                    if size > limit:
                        raise ModelError(
                            f"The chat template writes more than {limit:,} characters for a "
                            f"conversation of {len(messages)} messages, so it was stopped."
                        )
                    if time.monotonic() > deadline:
                        raise _TooSlow
                    parts.append(part)
                return "".join(parts)
        except _TooSlow:
            raise ModelError(
                f"The chat template took longer than {timeout_s:g} s for a conversation of "
                f"{len(messages)} messages, so it was stopped."
            ) from None
        except ModelError:
            raise
        except TemplateError as exc:  # raise_exception() in the template, the sandbox
            raise ModelError(f"The chat template failed: {exc}") from exc
        except MemoryError:
            raise ModelError(
                f"The chat template needs more memory than allowed for a conversation of "
                f"{len(messages)} messages, so it was stopped."
            ) from None
        except Exception as exc:  # a template is code: any error is the template's
            raise ModelError(f"The chat template failed: {type(exc).__name__}: {exc}") from exc

    @property
    def has_thinking_switch(self) -> bool:
        """Whether the template turns a reasoning model's thinking on and off."""
        return "enable_thinking" in self.source

    def _generate(self, messages: Sequence[Message], thinking: bool | None) -> Iterator[str]:
        switch = {} if thinking is None else {"enable_thinking": thinking}
        return self._template.generate(
            **switch,
            messages=[m.to_dict() for m in messages],
            add_generation_prompt=True,
            bos_token=self._bos,
            eos_token=self._eos,
            raise_exception=_raise_exception,
            strftime_now=lambda fmt: datetime.now().strftime(fmt),
            functions=None,
            function_call=None,
            tools=None,
            tool_choice=None,
        )


class _interrupt_after:
    """Stops a render that yields nothing for a long time (a loop without output): on the
    main thread a timer interrupts it between two bytecodes, on every OS. Elsewhere only
    the checks between output pieces (and the engine's watchdog) remain."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._fired = self._active = False
        self._timer: threading.Timer | None = None
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self._fired:
            if self._active:
                raise _TooSlow
            return  # fired as the render ended: nothing left to stop
        if callable(self._previous):  # a real Ctrl-C while rendering
            self._previous(signum, frame)

    def _fire(self) -> None:
        self._fired = True
        _thread.interrupt_main(signal.SIGINT)

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.getsignal(signal.SIGINT)
        if self._previous is None:  # a handler set outside Python: leave it alone
            return
        signal.signal(signal.SIGINT, self._handler)
        self._active = True
        self._timer = threading.Timer(self._seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def __exit__(self, *_: object) -> None:
        self._active = False
        if self._timer is None:
            return
        self._timer.cancel()
        self._timer.join()
        signal.signal(signal.SIGINT, self._previous)  # runs a pending interrupt first


def layout(
    template: ChatTemplate,
    messages: Sequence[Message],
    *,
    timeout_s: float = RENDER_TIMEOUT_S,
    keep_system: bool = False,
    thinking: bool | None = None,
) -> list[tuple[str, bool]]:
    """The rendered conversation as (text, may hold control tokens) pieces: the template's
    own text may, message text never. Refuses a template that rewrites a message (its
    text could not be told apart from the markup) or leaves one out, but for a system
    message where ``keep_system`` is off: some models' own templates (Phi-3's first)
    ignore system messages, and their text then simply never reaches the model."""
    placeholders = [Message(m.role, f"\ue000HUSHDESK{i}\ue001") for i, m in enumerate(messages)]
    rendered = template.render(placeholders, timeout_s=timeout_s, thinking=thinking)
    pieces = _PLACEHOLDER.split(rendered)
    found = {int(p) for p in pieces[1::2] if int(p) < len(messages)}
    rewritten = any("\ue000" in p or "\ue001" in p for p in pieces[0::2])
    lost = [
        i
        for i in range(len(messages))
        if i not in found and (rewritten or keep_system or messages[i].role != "system")
    ]
    if lost:
        raise ModelError(
            f"The chat template leaves out or rewrites message {lost[0] + 1} of {len(messages)} "
            f"(a {messages[lost[0]].role} message), so Hushdesk cannot keep its text apart "
            "from the template's own markup."
        )
    out: list[tuple[str, bool]] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append((piece, True))
        elif int(piece) < len(messages):
            out.append((messages[int(piece)].content, False))
        else:  # the template's own text happens to look like a placeholder
            out.append((f"\ue000HUSHDESK{piece}\ue001", True))
    return out


def check(source: str, *, keep_system: bool = True, bos: str = "", eos: str = "") -> str:
    """Render conversations of every shape the app sends (run this in an isolated
    child); returns the sample conversation as the model would see it."""
    template = ChatTemplate(source, bos=bos, eos=eos)
    for shape in [*_shapes(), SAMPLE]:
        layout(template, shape, timeout_s=CHECK_RENDER_S, keep_system=keep_system)
    return template.render(SAMPLE, timeout_s=CHECK_RENDER_S)


def check_models_own(source: str) -> str:
    """``check`` for the template inside a model file: as the engine renders it, where a
    system message the template ignores is left out, not refused."""
    return check(source, keep_system=False)


def validate(template: str) -> str:
    """Check a template a user typed (all of each message must reach the model); the
    result shows the user what the model will see."""
    return check(template)
