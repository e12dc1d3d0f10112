"""Search one library: the query, the passages found as cards (file, page, the passage
around the words searched for, marked); activating one opens it at its page."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from hushdesk.services.documents import Hit, SearchResult
from hushdesk.ui.theme import colours
from hushdesk.ui.widgets.rich_text_delegate import RICH_TEXT_ROLE, RichTextDelegate

SNIPPET_CHARS = 260
# Words too common to mark in a passage.
COMMON = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "does",
        "do",
        "did",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "will",
        "would",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "as",
        "any",
        "all",
        "not",
        "no",
    ]
)


class LibrarySearch(QWidget):
    searchRequested = Signal(str)
    openRequested = Signal(object)  # a Hit

    def __init__(self) -> None:
        super().__init__()
        self.query = QLineEdit()
        self.query.setAccessibleName("Search this library")
        self.query.setPlaceholderText("Search this library (Enter); double-click to open a result")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setWordWrap(True)
        self.results.setItemDelegate(RichTextDelegate(self.results))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setSpacing(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        self.query.returnPressed.connect(self._search)
        self.results.itemActivated.connect(self._open)

    def _search(self) -> None:
        text = self.query.text().strip()
        if text:
            self.results.clear()
            self.results.addItem("Searching…")
            self.searchRequested.emit(text)

    def show_result(self, result: SearchResult) -> None:
        self.results.clear()
        if result.abstain:
            self.results.addItem("Nothing in this library looks relevant.")
            return
        query = self.query.text()
        for hit in result.hits:
            text = " ".join(hit.chunk.text.split())
            snippet = _around(text, query)
            item = QListWidgetItem(f"{hit.where}\n{snippet}")
            item.setData(RICH_TEXT_ROLE, _card(hit, snippet, query))
            item.setData(Qt.ItemDataRole.UserRole, hit)
            item.setToolTip(text)
            self.results.addItem(item)

    def show_error(self, text: str) -> None:
        self.results.clear()
        self.results.addItem(text)

    def _open(self, item: QListWidgetItem) -> None:
        hit: Hit | None = item.data(Qt.ItemDataRole.UserRole)
        if hit is not None:
            self.openRequested.emit(hit)


def _words(query: str) -> list[str]:
    return [w for w in re.findall(r"\w+", query.casefold()) if w not in COMMON and len(w) > 1]


def _pattern(query: str) -> re.Pattern[str] | None:
    """The query's words, each as a word start ("notice" marks "notices", "noticed")."""
    words = _words(query)
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)


def _around(text: str, query: str) -> str:
    """About SNIPPET_CHARS of the passage, starting a little before the first word
    searched for."""
    pattern = _pattern(query)
    match = pattern.search(text) if pattern else None
    start = max(0, (match.start() if match else 0) - 60)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_CHARS)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _card(hit: Hit, snippet: str, query: str) -> str:
    """File and page in bold, then the snippet with the words searched for marked.
    Every piece of document text is escaped: only the marks are ours."""
    theme = colours()
    pattern = _pattern(query)
    parts, shown = [], 0
    for match in pattern.finditer(snippet) if pattern else ():
        parts += [
            html.escape(snippet[shown : match.start()]),
            f'<span style="background-color:{theme["accent_soft"]}; font-weight:600">'
            f"{html.escape(match.group(0))}</span>",
        ]
        shown = match.end()
    parts.append(html.escape(snippet[shown:]))
    return f"<b>{html.escape(hit.where)}</b><br>{''.join(parts)}"
