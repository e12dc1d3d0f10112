"""A conversation written out: Markdown, JSON or Word (.docx), each answer from documents
with its sources (file and page). The window adds PDF (Qt prints the Markdown)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from hushdesk.assistant.chat_store import Conversation, StoredMessage
from hushdesk.assistant.grounding import cited_numbers
from hushdesk.assistant.word import Footnotes, add_cited, xml_safe
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes, atomic_write_text

KINDS = (".md", ".json", ".docx")


def write(
    conversation: Conversation,
    messages: Sequence[StoredMessage],
    path: Path,
    *,
    thinking: bool = False,
) -> Path:
    """By the file's suffix: .md (or none), .json or .docx. A reasoning model's thinking
    goes in only with ``thinking`` (asked for by the user), marked as such."""
    suffix = path.suffix.lower()
    messages = messages if thinking else without_thinking(messages)
    if suffix == ".docx":
        atomic_write_bytes(path, docx(conversation, messages))
    elif suffix == ".json":
        atomic_write_text(path, as_json(conversation, messages))
    elif suffix in (".md", ".markdown", ".txt", ""):
        atomic_write_text(path, markdown(conversation, messages))
    else:
        raise HushdeskError(f"Cannot export to {suffix} files: use .md, .json or .docx.")
    return path


def without_thinking(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    """The messages as exports give them unless asked: no reasoning model's thinking."""
    return [replace(m, reasoning="") for m in messages]


def sources(message: StoredMessage) -> list[str]:
    """The sources an answer cites ("[1] lease.pdf, page 3"), or all it was given when it
    cites none by number."""
    used = set(cited_numbers(message.content, [c.n for c in message.citations]))
    return [f"[{c.n}] {c.where}" for c in message.citations if not used or c.n in used]


def markdown(conversation: Conversation, messages: Sequence[StoredMessage]) -> str:
    lines = [f"# {conversation.title}", "", f"*{_iso(conversation.created_at)}*", ""]
    for m in messages:
        who = "You" if m.role == "user" else "Assistant"
        note = " *(stopped)*" if m.status == "stopped" else ""
        lines += [f"## {who}{note}", ""]
        if m.reasoning:
            lines += ["> *Thinking:*", ">", *(f"> {line}" for line in m.reasoning.splitlines()), ""]
        lines += [m.content.rstrip(), ""]
        cited = sources(m)
        if cited:
            lines += ["Sources:", "", *(f"- {s}" for s in cited), ""]
    return "\n".join(lines)


def as_json(conversation: Conversation, messages: Sequence[StoredMessage]) -> str:
    data = {
        "format": "hushdesk-conversation",
        "version": 1,
        "title": conversation.title,
        "created_at": _iso(conversation.created_at),
        "persona": conversation.persona,
        "system_prompt": conversation.system_prompt,
        "model": conversation.model_id,
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                **({"reasoning": m.reasoning} if m.reasoning else {}),
                "status": m.status,
                "created_at": _iso(m.created_at),
                "model": m.model_id,
                "sources": [
                    {"n": c.n, "file": c.file, "page": c.page, "passage": c.passage}
                    for c in m.citations
                ],
            }
            for m in messages
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def docx(conversation: Conversation, messages: Sequence[StoredMessage]) -> bytes:
    """Word: each answer's citations ([1]) are footnotes naming file and page."""
    import docx as word

    document = word.Document()
    notes = Footnotes(document)
    title = xml_safe(conversation.title)
    document.core_properties.title = title
    document.add_heading(title, level=1)
    document.add_paragraph().add_run(_iso(conversation.created_at)).italic = True
    for m in messages:
        who = "You" if m.role == "user" else "Assistant"
        document.add_heading(who + (" (stopped)" if m.status == "stopped" else ""), level=2)
        where = {c.n: c.where for c in m.citations}
        if m.reasoning:
            document.add_paragraph().add_run(xml_safe(f"Thinking: {m.reasoning}")).italic = True
        add_cited(document, notes, m.content, where)
        if where and not cited_numbers(m.content, list(where)):  # cites none by number
            document.add_paragraph().add_run("Sources").bold = True
            for source in sources(m):
                document.add_paragraph(xml_safe(source), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(timestamp))
