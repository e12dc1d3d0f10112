"""A reasoning model's thinking, kept apart from its answer as the stream arrives.

Models that think before they answer write it in the text (``<think>…</think>``; some
templates open the tag in the prompt, so only ``</think>`` comes) or, over an API, in a
field of its own (``reasoning_content``, ``reasoning``). Everything built on answers —
the evidence check, citations, summaries, drafts, exports, the next turn's context —
reads the answer alone: ``ChatStream`` runs every engine's chunks through ``Splitter``
and gives them the answer; the reasoning goes to whoever asked for it (the window's
"Thinking…", ``--show-reasoning``, the API's ``reasoning_content``) and to
``ChatResult.reasoning``.

A tag split over two chunks is held back until it can be told; a closing tag with no
opening one (the prompt opened it, on a server we cannot see into) makes what came
before it reasoning in the finished result — it was shown as it came, as in llama.cpp's
own web page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

TAGS = ("think", "thinking", "reasoning")
_OPEN = re.compile(r"<(think|thinking|reasoning)>")
_CLOSE = re.compile(r"</(think|thinking|reasoning)>")
_OPENS = tuple(f"<{tag}>" for tag in TAGS)
_CLOSES = tuple(f"</{tag}>" for tag in TAGS)
_OPENS_AT_END = re.compile(r"<(think|thinking|reasoning)>\s*$")
_LONGEST_TAG = max(len(f"</{tag}>") for tag in TAGS)


CLOSE = "\n</think>\n\n"  # what ends thinking when its budget is spent


class Thought(str):
    """A piece of the model's reasoning, not of its answer (a producer may yield one
    when its server sends reasoning in a field of its own)."""

    __slots__ = ()


def strip_thinking(text: str) -> str:
    """An answer without the thinking written in it (a client that sends an earlier
    answer back whole, ``<think>`` and all)."""
    splitter = Splitter()
    for _ in [*splitter.feed(text), *splitter.flush()]:
        pass
    return "".join(splitter.answer) if splitter.reasoning else text


def template_reasons(template: str) -> bool:
    """Whether a chat template is a reasoning model's (it writes or strips thinking)."""
    return any(mark in template for mark in ("<think>", "</think>", "enable_thinking",
                                             "reasoning_content"))  # fmt: skip


def opens_thinking(prompt_end: str) -> bool:
    """Whether a rendered prompt ends inside a reasoning block its template opened."""
    return bool(_OPENS_AT_END.search(prompt_end))


class Splitter:
    """Chunks in, (answer, reasoning) pieces out, as soon as each can be told."""

    def __init__(self, *, thinking: bool = False) -> None:
        self.thinking = thinking  # inside a reasoning block now
        self.tagged = thinking  # a reasoning block was seen: later tags are the answer's text
        self.closer = "</think>"
        self.pending = ""
        self.answer: list[str] = []
        self.reasoning: list[str] = []

    def feed(self, chunk: str) -> Iterator[str]:
        """The pieces ``chunk`` completes: ``Thought`` for reasoning, ``str`` for answer."""
        if isinstance(chunk, Thought):
            yield from self._emit(chunk, thought=True)
            return
        self.pending += chunk
        while self.pending:
            if self.thinking:
                end = self.pending.find(self.closer)
                if end < 0:
                    yield from self._emit(self._release((self.closer,)), thought=True)
                    return
                yield from self._emit(self.pending[:end], thought=True)
                self.pending = self.pending[end + len(self.closer) :]
                self.thinking = False
                continue
            if not self.tagged and self._tag_found():
                continue
            tags = () if self.tagged else _CLOSES if self.answer else _OPENS + _CLOSES
            yield from self._emit(self._release(tags), thought=False)
            return

    def flush(self) -> Iterator[str]:
        """What is held back, once the stream has ended."""
        rest, self.pending = self.pending, ""
        yield from self._emit(rest, thought=self.thinking)

    def settle(self) -> None:
        """The stream was abandoned: what is held back goes where it was heading."""
        for _ in self.flush():
            pass

    def _tag_found(self) -> bool:
        """A first reasoning tag in what is pending: an opening one before any answer,
        or a closing one with none before it (the prompt opened it)."""
        opened = None if self.answer else _OPEN.search(self.pending)
        if opened is not None and not self.pending[: opened.start()].strip():
            self.thinking = self.tagged = True
            self.closer = f"</{opened.group(1)}>"
            self.pending = self.pending[opened.end() :]
            return True
        closed = _CLOSE.search(self.pending)
        if opened is not None or (
            closed is not None
            and _OPEN.search("".join(self.answer) + self.pending[: closed.start()])
        ):
            self.tagged = True  # tags written in the answer are the answer's text
            return False
        if closed is None:
            return False
        self.reasoning += [*self.answer, self.pending[: closed.start()]]
        self.answer = []
        self.pending = self.pending[closed.end() :]
        self.tagged = True
        return True

    def _release(self, tags: tuple[str, ...]) -> str:
        """What is pending, less an end that may yet become one of ``tags``."""
        keep = _partial_tag(self.pending, tags)
        out = self.pending[: len(self.pending) - keep]
        self.pending = self.pending[len(self.pending) - keep :]
        return out

    def _emit(self, text: str, *, thought: bool) -> Iterator[str]:
        if not text:
            return
        if thought:
            self.reasoning.append(text)
            yield Thought(text)
            return
        if not self.answer and self.reasoning:
            text = text.lstrip()  # the blank line after </think>
            if not text:
                return
        self.answer.append(text)
        yield text


def split(chunks: Iterator[str], finish: Any, *, thinking: bool = False) -> Iterator[str]:
    """The pieces of ``chunks``, the answer's as ``str`` and the reasoning's as
    ``Thought``. When the chunks end (or are abandoned) and there was thinking,
    ``finish.text`` holds the answer alone (where the producer filled it with the raw
    text) and ``finish.reasoning`` the reasoning."""
    splitter = Splitter(thinking=thinking)
    raw: list[str] = []  # what came as text (the producer's own ``finish.text``)
    started = time.perf_counter()
    thought_at = answer_at = 0.0
    try:
        for chunk in chunks:
            raw.append(chunk)
            for piece in splitter.feed(chunk):
                if isinstance(piece, Thought):
                    thought_at = thought_at or time.perf_counter()
                else:
                    answer_at = answer_at or time.perf_counter()
                yield piece
        yield from splitter.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # the producer's own end runs first (it fills finish.text, raw)
        splitter.settle()
        if splitter.reasoning:
            made = "".join(raw), "".join(c for c in raw if not isinstance(c, Thought))
            if finish.text in made:  # not an answer a layer above made of it
                finish.text = "".join(splitter.answer)
            finish.reasoning = "".join(splitter.reasoning).strip()
        stats, ended = finish.stats, answer_at or time.perf_counter()
        stats.answer_ttft_s = (answer_at - started) if answer_at else 0.0
        stats.thinking_s = (ended - thought_at) if thought_at else 0.0


def _partial_tag(text: str, tags: tuple[str, ...]) -> int:
    """How many characters at the end of ``text`` may be the start of one of ``tags``."""
    for size in range(min(len(text), _LONGEST_TAG), 0, -1):
        tail = text[-size:]
        if any(tag.startswith(tail) for tag in tags):
            return size
    return 0


class Budget:
    """A local reasoning model's thinking, counted a token at a time as it is written:
    once ``tokens`` of it are spent inside the block, ``spent`` says so (once), and the
    worker writes the block's end itself — the model then answers. 0: no budget."""

    def __init__(self, tokens: int, *, opened: bool) -> None:
        self.tokens, self.inside, self.used, self.over = tokens, opened, 0, not tokens
        self.head = ""  # the answer's first characters: does it open a block?
        self.tail = ""  # the last ones: did it close it?

    def spent(self, text: str) -> bool:
        if self.over:
            return False
        if not self.inside and len(self.head) < 40:
            self.head += text
            self.inside = bool(_OPEN.match(self.head.lstrip()))
        self.tail = (self.tail + text)[-16:]
        if self.inside and _CLOSE.search(self.tail):
            self.over = True  # it ended on its own
        elif self.inside:
            self.used += 1
            self.over = self.used >= self.tokens
            return self.over
        return False
