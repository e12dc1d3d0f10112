"""The transcript: one QTextBrowser; finished turns are laid out once, the answer being
written is replaced in place at each batch, so streaming cost does not grow with the
length of the conversation."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPalette, QTextCursor
from PySide6.QtWidgets import QWidget

from hushdesk.services.conversations import Stage, Turn
from hushdesk.ui.markdown import MarkdownRenderer, Rendered, Theme
from hushdesk.ui.messages import count_of
from hushdesk.ui.safe_text import SafeTextBrowser, open_link
from hushdesk.ui.theme import colours
from hushdesk.ui.widgets.attachments import png_of

_CITATION = re.compile(r"\[(\d{1,2})\](?![^<]*</a>)")  # [n] not already inside a link


def stage_text(stage: Stage, libraries: Sequence[str]) -> str:
    """What an answer from documents is doing before its first word."""
    if stage.kind == "searching":
        where = (", ".join(libraries) if len(libraries) <= 2
                 else count_of(len(libraries), "library", "libraries"))  # fmt: skip
        return f"Searching {where}…"
    passages, files = count_of(stage.passages, "passage"), count_of(stage.files, "document")
    return f"Reading {passages} from {files}…"


def theme_from_palette(palette: QPalette) -> Theme:
    base = palette.color(QPalette.ColorRole.Base)
    dark = base.lightness() < 128
    values = colours("dark" if dark else "light")
    return Theme(
        dark=dark,
        text=palette.color(QPalette.ColorRole.Text).name(),
        muted=palette.color(QPalette.ColorRole.PlaceholderText).name(),
        code_background=values["code"],
        link=palette.color(QPalette.ColorRole.Link).name(),
        you=values["you"],
        assistant=values["assistant"],
    )


class ChatView(SafeTextBrowser):
    """Emits what the user asked for; the page decides what to do."""

    copyRequested = Signal(int)  # turn id
    editRequested = Signal(int)
    regenerateRequested = Signal()
    citationRequested = Signal(int, int)  # turn id, source number
    readRequested = Signal(int)  # turn id: read it aloud

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Conversation")
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.anchorClicked.connect(self._on_anchor)
        self._renderer = MarkdownRenderer(theme_from_palette(self.palette()))
        self._code: dict[int, list[str]] = {}
        self._stream_start: int | None = None
        self._stream_text = ""
        self._stream_thought = ""  # a reasoning model's thinking, as it comes
        self._thinking_since: float | None = None
        self._expanded: set[int] = set()  # turns whose thinking is shown (-1: the answer now)
        self._shown: tuple[Sequence[Turn], int | None, str] = ((), None, "")
        self._pending = ""  # a question shown before it was saved
        self.offer_reading: Callable[[], bool] = lambda: False  # answers' "Read aloud" link

    def changeEvent(self, event: QEvent) -> None:
        """A theme switch: every bubble is drawn again in the new colours (an answer
        being written goes on where it was)."""
        super().changeEvent(event)
        if event.type() != QEvent.Type.PaletteChange:
            return
        self._renderer = MarkdownRenderer(theme_from_palette(self.palette()))
        self.redraw()

    def redraw(self) -> None:
        """Every bubble drawn again (new colours, links offered or not); an answer being
        written goes on where it was."""
        streaming, written, thought, since, pending = (
            self._stream_start is not None,
            self._stream_text,
            self._stream_thought,
            self._thinking_since,
            self._pending,
        )
        self.set_turns(*self._shown)
        if pending:
            self.show_pending_question(pending)
        if streaming:
            opened = -1 in self._expanded
            self.begin_answer()
            self._stream_thought, self._thinking_since = thought, since
            self._expanded |= {-1} if opened else set()
            self.append_answer(written)

    # -- content --------------------------------------------------------------------------

    def set_turns(
        self, turns: Sequence[Turn], context_from: int | None = None, placeholder: str = ""
    ) -> None:
        self._code.clear()
        self._stream_start = None
        self._shown, self._pending = (list(turns), context_from, placeholder), ""
        parts = []
        if not turns and placeholder:
            parts.append(self._notice(placeholder))
        last_assistant = next((t.id for t in reversed(turns) if t.role == "assistant"), None)
        unanswered = turns[-1].id if turns and turns[-1].role == "user" else None
        for turn in turns:
            if context_from is not None and turn.id == context_from and turn is not turns[0]:
                parts.append(
                    self._notice("Earlier messages are outside the model's memory from here on.")
                )
            parts.append(
                self._bubble(
                    turn,
                    is_last_answer=turn.id == last_assistant,
                    unanswered=turn.id == unanswered,
                )
            )
        self.setHtml("".join(parts))
        self.scroll_to_end()

    def show_pending_question(self, text: str, images: Sequence[bytes] = ()) -> None:
        """The question appears at once, before the worker has saved it."""
        self._pending = text
        turn = Turn(0, "user", text, images=tuple(images))
        self._append_html(self._bubble(turn, actions=False))

    def begin_answer(self) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._stream_start = cursor.position()
        self._stream_text = self._stream_thought = ""
        self._thinking_since = None
        self._expanded.discard(-1)
        self._replace_stream("…")

    def show_stage(self, text: str) -> None:
        """Where the answer is before its first word ("Searching…"), in its place."""
        if self._stream_start is None or self._stream_text:
            return
        self._replace_stream(text, note=True)

    def append_answer(self, text: str) -> None:
        if self._stream_start is None:
            return
        self._stream_text += text
        self._replace_stream(self._stream_text or "…")

    def append_reasoning(self, text: str) -> None:
        """A reasoning model's thinking, as it comes: under "Thinking…", collapsed unless
        the user opened it."""
        if self._stream_start is None:
            return
        if self._thinking_since is None:
            self._thinking_since = time.monotonic()
        self._stream_thought += text
        self._replace_stream(self._stream_text or "…")

    @property
    def streamed_text(self) -> str:
        return self._stream_text

    def code_blocks(self, turn_id: int) -> list[str]:
        return self._code.get(turn_id, [])

    # -- rendering ------------------------------------------------------------------------

    def _replace_stream(self, text: str, *, note: bool = False) -> None:
        assert self._stream_start is not None
        at_bottom = self._at_bottom()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._stream_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        thinking = time.monotonic() - (self._thinking_since or time.monotonic())
        turn = Turn(-1, "assistant", text, reasoning=self._stream_thought, thinking_s=thinking)
        cursor.insertHtml(self._bubble(turn, actions=False, note=note))
        if at_bottom:
            self.scroll_to_end()

    def _append_html(self, fragment: str) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertHtml(fragment)
        self.scroll_to_end()

    def _bubble(
        self,
        turn: Turn,
        *,
        is_last_answer: bool = False,
        unanswered: bool = False,
        actions: bool = True,
        note: bool = False,
    ) -> str:
        """A turn's block; ``note``: its content is ours to say, not Markdown (muted)."""
        theme = self._renderer.theme
        if note:
            shown = html.escape(turn.content)
            rendered = Rendered(f'<p style="color:{theme.muted}"><i>{shown}</i></p>')
        else:
            rendered = self._renderer.render(turn.content, anchor_prefix=f"t{turn.id}:")
        if actions:
            self._code[turn.id] = rendered.code_blocks
        who = "You" if turn.role == "user" else "Assistant"
        links = []
        if actions:
            links.append(f'<a href="copy:{turn.id}">Copy</a>')
            if turn.role == "user":
                links.append(f'<a href="edit:{turn.id}">Edit</a>')
                if unanswered:
                    links.append('<a href="regenerate:">Answer</a>')
            elif is_last_answer:
                links.append('<a href="regenerate:">Regenerate</a>')
            if turn.role == "assistant" and self.offer_reading():
                links.append(f'<a href="read:{turn.id}">Read aloud</a>')
        status = {"stopped": " · stopped", "error": " · interrupted"}.get(turn.status, "")
        header = f"<b>{who}</b>{status}" + (
            "&nbsp;&nbsp;·&nbsp;&nbsp;" + " · ".join(links) if links else ""
        )
        background = theme.you if turn.role == "user" else theme.assistant
        body = self._thinking(turn) + _pictures(turn.images) + rendered.html
        if turn.citations and actions:
            body = self._link_citations(turn, body) + self._sources(turn)
        return (
            f'<table width="100%" cellspacing="0" cellpadding="10" '
            f'style="background-color:{background}; margin-top:6px; margin-bottom:6px">'
            f'<tr><td><p style="color:{theme.muted}; font-size:small">{header}</p>'
            f"{body}</td></tr></table>"
        )

    def _thinking(self, turn: Turn) -> str:
        """A reasoning model's thinking: one line ("▸ Thought for 12 s") that opens it,
        and, open, the thinking itself as plain text (it is never Markdown-rendered: it is
        the model's scratch work)."""
        if not turn.reasoning:
            return ""
        muted = self._renderer.theme.muted
        writing = turn.id == -1 and not self._stream_text
        seconds = f"{turn.thinking_s:.0f} s" if turn.thinking_s >= 1 else "under a second"
        label = f"Thinking… {turn.thinking_s:.0f} s" if writing else f"Thought for {seconds}"
        opened = turn.id in self._expanded
        line = (
            f'<p style="color:{muted}; font-size:small"><a href="think:{turn.id}">'
            f"{'▾' if opened else '▸'} {label}</a></p>"
        )
        if not opened:
            return line
        text = html.escape(turn.reasoning.strip()).replace("\n", "<br>")
        return line + f'<p style="color:{muted}; margin-left:12px"><i>{text}</i></p>'

    def _link_citations(self, turn: Turn, body: str) -> str:
        numbers = {c.n for c in turn.citations}

        def link(match: re.Match[str]) -> str:
            n = int(match.group(1))
            if n not in numbers:
                return match.group(0)
            return f'<a href="cite:{turn.id}:{n}">[{n}]</a>'

        return _CITATION.sub(link, body)

    def _sources(self, turn: Turn) -> str:
        muted = self._renderer.theme.muted
        items = []
        for c in turn.citations:
            items.append(f'<a href="cite:{turn.id:d}:{c.n:d}">[{c.n:d}] {html.escape(c.where)}</a>')
        return f'<p style="color:{muted}; font-size:small">Sources: ' + " · ".join(items) + "</p>"

    def _notice(self, text: str) -> str:
        muted = self._renderer.theme.muted
        return f'<p align="center" style="color:{muted}; margin:12px">— {html.escape(text)} —</p>'

    # -- behaviour ------------------------------------------------------------------------

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_anchor(self, url: QUrl) -> None:
        target = url.toString()
        kind, _, value = target.partition(":")
        if kind == "cite":
            cited_turn, _, source = value.partition(":")
            self.citationRequested.emit(int(cited_turn), int(source))
        elif kind == "copy":
            self.copyRequested.emit(int(value))
        elif kind == "edit":
            self.editRequested.emit(int(value))
        elif kind == "regenerate":
            self.regenerateRequested.emit()
        elif kind == "read":
            self.readRequested.emit(int(value))
        elif kind == "think":
            self._expanded ^= {int(value)}  # open or close that answer's thinking
            self.redraw()
        elif kind.startswith("t") and value.startswith("code:"):
            turn_id, number = int(kind[1:]), int(value.split(":")[1])
            blocks = self._code.get(turn_id, [])
            if number < len(blocks):
                QGuiApplication.clipboard().setText(blocks[number])
        else:
            open_link(self, url)  # asks first, showing the whole address


_THUMBS: dict[bytes, str] = {}  # an image's digest → its thumbnail as a data: URL


def _pictures(images: Sequence[bytes]) -> str:
    """Thumbnails of the images sent with a question (our own PNGs, shown as ``data:``
    URLs: the transcript loads nothing else)."""
    shown = []
    for png in images:
        key = hashlib.sha256(png).digest()
        if key not in _THUMBS:
            thumb = QImage.fromData(png).scaledToHeight(
                120, Qt.TransformationMode.SmoothTransformation
            )
            _THUMBS[key] = "data:image/png;base64," + base64.b64encode(png_of(thumb)).decode()
        shown.append(f'<img src="{_THUMBS[key]}" alt="an attached image">')
    return f"<p>{'&nbsp;'.join(shown)}</p>" if shown else ""
