"""A ChatGPT export imported into a matter: the branch that was shown, text only, with
its dates; a hostile or foreign file refused with a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hushdesk.app import App
from hushdesk.assistant.chatgpt_export import ExportError
from tests.fakes import FakeEngine


def node(
    node_id: str, parent: str | None, role: str, text: str, children: list[str]
) -> dict[str, Any]:
    return {
        "id": node_id,
        "parent": parent,
        "children": children,
        "message": {
            "author": {"role": role},
            "content": {"content_type": "text", "parts": [text]},
        },
    }


EXPORT = [
    {
        "title": "Lease  question",
        "create_time": 1_700_000_000.0,
        "update_time": 1_700_000_500.0,
        "current_node": "a2",
        "mapping": {
            "root": {"id": "root", "parent": None, "children": ["sys"], "message": None},
            "sys": node("sys", "root", "system", "You are ChatGPT", ["u1"]),
            "u1": node("u1", "sys", "user", "How long is the notice?", ["a1", "a2"]),
            "a1": node("a1", "u1", "assistant", "An answer the user regenerated", []),
            "a2": node("a2", "u1", "assistant", "Three months.", []),
        },
    },
    {"title": "empty", "mapping": {}},
    {"title": "looped", "current_node": "x", "mapping": {"x": {"parent": "x"}}},
    "not a conversation",
]


def test_the_branch_shown_is_imported_with_its_dates(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    app = App(engine=FakeEngine())
    try:
        app.matters.add("Tenant")
        app.open_matter("Tenant")
        assert app.conversations.import_chatgpt(path) == 1
        (imported,) = app.conversations.all()
        assert imported.title == "Lease question"
        assert imported.updated_at == 1_700_000_500.0
        messages = [(m.role, m.content) for m in app.conversations.store.messages(imported.id)]
        assert messages == [("user", "How long is the notice?"), ("assistant", "Three months.")]
    finally:
        app.close()


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}', "\udcff"])
def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    app = App(engine=FakeEngine())
    try:
        with pytest.raises(ExportError, match="not a ChatGPT export"):
            app.conversations.import_chatgpt(path)
    finally:
        app.close()
