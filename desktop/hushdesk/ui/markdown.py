"""Model output (Markdown) → HTML for Qt's rich-text engine, code highlighted by Pygments.

Raw HTML in the text is shown as text, never interpreted, and an image is shown as a
link to where it points, never loaded (a model or a document could point it at a device
or a network share; see ``safe_text``). Code blocks are numbered so the view can offer
"Copy code" for each.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound


@dataclass(frozen=True)
class Theme:
    dark: bool
    text: str
    muted: str
    code_background: str
    link: str
    you: str = "#e7eef8"  # the block of the user's messages
    assistant: str = "#ffffff"  # and of the assistant's

    @property
    def pygments_style(self) -> str:
        return "monokai" if self.dark else "friendly"


@dataclass
class Rendered:
    html: str
    code_blocks: list[str] = field(default_factory=list)


class MarkdownRenderer:
    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self._md = MarkdownIt("commonmark", {"html": False, "breaks": True})
        self._md.enable(["table", "strikethrough"])
        self._formatter = HtmlFormatter(noclasses=True, nowrap=True, style=theme.pygments_style)
        self._md.add_render_rule("fence", _code_rule)
        self._md.add_render_rule("code_block", _code_rule)
        self._md.add_render_rule("image", _image_rule)

    def render(self, text: str, *, anchor_prefix: str = "") -> Rendered:
        out = Rendered("")
        env = {"renderer": self, "out": out, "prefix": anchor_prefix}
        out.html = self._md.render(text, env)
        return out

    def code_html(self, code: str, language: str, number: int, prefix: str) -> str:
        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        body = highlight(code, lexer, self._formatter)
        label = html.escape(language) if language else "code"
        t = self.theme
        return (
            f'<table width="100%" cellspacing="0" cellpadding="8" '
            f'style="background-color:{t.code_background}; margin:4px 0">'
            f'<tr><td><span style="color:{t.muted}; font-size:small">{label} · '
            f'<a href="{prefix}code:{number}" style="color:{t.link}">Copy code</a>'
            f'</span><pre style="margin:0; font-family:monospace">{body}</pre>'
            "</td></tr></table>"
        )


def _code_rule(_renderer: Any, tokens: Any, idx: int, _options: Any, env: dict[str, Any]) -> str:
    """markdown-it render rule for fenced and indented code: highlighted, numbered."""
    token = tokens[idx]
    out: Rendered = env["out"]
    out.code_blocks.append(token.content)
    language = token.info.split()[0] if token.info and token.info.split() else ""
    renderer: MarkdownRenderer = env["renderer"]
    return renderer.code_html(token.content, language, len(out.code_blocks) - 1, env["prefix"])


def _image_rule(_renderer: Any, tokens: Any, idx: int, _options: Any, _env: Any) -> str:
    """An image as a link: its text and address are shown, nothing is fetched."""
    token = tokens[idx]
    source = str(token.attrGet("src") or "")
    alt = token.content or "image"
    return (
        f'<a href="{html.escape(source, quote=True)}">[image: {html.escape(alt)}]</a> '
        f"({html.escape(source)})"
    )
