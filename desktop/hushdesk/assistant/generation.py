"""One model call that streams, can be cancelled, and says clearly when it was."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from hushdesk.engine.base import Engine
from hushdesk.engine.types import ChatResult, Message, SamplingParams
from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken


def complete(
    engine: Engine,
    messages: Sequence[Message],
    params: SamplingParams,
    *,
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
) -> ChatResult:
    """The model's whole answer; ``on_text`` sees it as it is written. Raises
    ``Cancelled`` when ``cancel`` is set meanwhile (the engine stops at once)."""
    stream = engine.chat(messages, params)
    try:
        for chunk in stream:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if on_text is not None:
                on_text(chunk)
    finally:
        stream.close()
    if stream.result.stats.finish_reason == "cancelled" or (cancel and cancel.cancelled):
        raise Cancelled()
    return stream.result


_FENCE_LINE = re.compile(r"(?m)^[ \t]*(<{2,3}|>{2,3})[ \t]*(\n|$)")
PREAMBLE = re.compile(  # "Here is the corrected text:" and the like, which small models add
    r"^(?=.*\b(here|sure|below|text|translation|version|"
    r"rewrite|rewritten|corrected)\b).{0,100}:\s*$",
    re.IGNORECASE,
)
_PREAMBLE_CHARS = 100  # a first line this long without a line break is the result itself


class Tidied:
    """An ``on_text`` for a result that replaces the user's text (a rewrite, a draft):
    what a small model copies from its prompt before the work — the fence marks, the
    text it was given, a "Here is the rewritten text:" line — is held back while it
    streams, as the finished result leaves it out. Whatever cannot be decided yet waits
    for the next piece; everything else is passed on at once."""

    def __init__(self, on_text: Callable[[str], None], echo: str = "") -> None:
        self.on_text, self.echo = on_text, echo.strip()
        self.pending, self.started = "", False

    def __call__(self, chunk: str) -> None:
        self.pending += chunk
        if not self.started and not self._start():
            return
        text = _FENCE_LINE.sub("", self.pending)
        tail = text[text.rfind("\n") + 1 :]
        held = tail if tail and re.fullmatch(r"[ \t]*[<>]{0,3}", tail) else ""
        shown = text[: len(text) - len(held)]
        self.pending = held
        if shown:
            self.on_text(shown)

    def _start(self) -> bool:
        """Drop what comes before the work; False while that cannot be told yet."""
        text = _FENCE_LINE.sub("", self.pending.lstrip()).lstrip()
        if re.fullmatch(r"[<>]{0,3}", text):
            return False  # nothing yet, or the start of a fence mark
        if self.echo:
            if self.echo.startswith(text):
                return False  # the text given, copied out so far
            if text.startswith(self.echo):
                text = _FENCE_LINE.sub("", text[len(self.echo) :].lstrip()).lstrip()
                if not text:
                    return False
        first, newline, rest = text.partition("\n")
        sentence = re.search(r"[.!?](\s|$)", first)  # a preamble is one phrase ending in ":"
        if not newline and not sentence and len(first) < _PREAMBLE_CHARS:
            return False  # the first line may yet be a preamble
        if newline and PREAMBLE.match(first):
            text = rest.lstrip()
        self.pending, self.started = text, True
        return True
