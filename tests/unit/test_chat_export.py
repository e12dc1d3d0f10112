"""A conversation exported with its answers' sources: Markdown, JSON and Word."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx

from hushdesk.app import App
from hushdesk.assistant import word
from hushdesk.assistant.chat_store import NewMessage
from hushdesk.assistant.citations import Citation
from tests.fakes import FakeEngine


def cite(n: int, page: int) -> Citation:
    return Citation(n, "/docs/lease.pdf", "lease.pdf", 1, page, True, "notice…", 0, 9, 0.8)


def test_an_answer_keeps_its_sources_in_every_format(tmp_path: Path) -> None:
    app = App(engine=FakeEngine())
    try:
        store = app.conversations.store
        chat = store.create(title="Notice")
        store.replace_tail(chat.id, None, [NewMessage("user", "How long is the notice?")])
        answer = NewMessage("assistant", "Three months [2].", citations=(cite(1, 2), cite(2, 3)))
        store.replace_tail(chat.id, None, [answer])
        markdown = app.conversations.as_text(chat.id)
        assert "Sources:\n\n- [2] lease.pdf, page 3" in markdown
        assert "[1] lease.pdf, page 2" not in markdown  # only what the answer cites
        data = json.loads(app.conversations.as_text(chat.id, as_json=True))
        assert data["messages"][1]["sources"][1] == {
            "n": 2, "file": "lease.pdf", "page": 3, "passage": "notice…"
        }  # fmt: skip
        app.conversations.export(chat.id, tmp_path / "notice.docx")
        document = docx.Document(io.BytesIO((tmp_path / "notice.docx").read_bytes()))
        text = [p.text for p in document.paragraphs]
        assert "Three months." in text  # the [2] is a footnote's mark now
        assert word.footnotes(document) == ["lease.pdf, page 3"]
    finally:
        app.close()
