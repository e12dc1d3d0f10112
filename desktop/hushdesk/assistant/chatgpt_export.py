"""Conversations exported from ChatGPT (its ``conversations.json``), read for an import
into a matter.

The export is a list of conversations, each a tree of messages (``mapping``: node →
message, parent, children; ``current_node``: the branch the user last saw). The branch
that was shown is followed from ``current_node`` up to the root; what the user and the
assistant wrote in text is kept (system, tool and hidden messages, images and files
are not). Hand-written: OpenAI publishes no reader for its export, and no maintained
library reads it; the file is untrusted, so every field is checked and sizes capped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hushdesk.errors import HushdeskError

FILE_CAP = 512 * 1024**2  # a large export is a few hundred MB
MESSAGE_CAP = 1024**2  # characters kept of one message
TITLE_CHARS = 200
DEPTH_CAP = 100_000  # messages followed in one conversation


class ExportError(HushdeskError):
    """The file is not a ChatGPT export this version can read."""


@dataclass(frozen=True)
class Exported:
    title: str
    created_at: float
    updated_at: float
    messages: tuple[tuple[Literal["user", "assistant"], str], ...]


def read(path: Path) -> list[Exported]:
    """Every conversation in the export that has something in it, oldest first."""
    try:
        size = path.stat().st_size
        if size > FILE_CAP:
            raise ExportError(f"{path.name} is over {FILE_CAP // 1024**2} MB.")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportError(f"Cannot read {path.name}: {exc.strerror or exc}.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path.name} is not a ChatGPT export (not JSON).") from exc
    if not isinstance(data, list):
        raise ExportError(f"{path.name} is not a ChatGPT export (conversations.json).")
    found = [c for c in (_conversation(item) for item in data) if c is not None]
    return sorted(found, key=lambda c: c.created_at)


def _conversation(item: Any) -> Exported | None:
    if not isinstance(item, dict) or not isinstance(item.get("mapping"), dict):
        return None
    mapping: dict[str, Any] = item["mapping"]
    messages = [m for m in (_message(n) for n in _branch(mapping, item.get("current_node"))) if m]
    if not messages:
        return None
    title = " ".join(str(item.get("title") or "").split())[:TITLE_CHARS] or "Imported chat"
    created = _time(item.get("create_time"))
    return Exported(title, created, _time(item.get("update_time")) or created, tuple(messages))


def _branch(mapping: dict[str, Any], current: Any) -> Iterator[dict[str, Any]]:
    """The nodes from the root to ``current`` (the branch shown), in order."""
    if not isinstance(current, str) or current not in mapping:  # older exports: the last leaf
        leaves = [k for k, v in mapping.items() if isinstance(v, dict) and not v.get("children")]
        current = leaves[-1] if leaves else None
    path: list[dict[str, Any]] = []
    seen: set[str] = set()
    while isinstance(current, str) and current in mapping and current not in seen:
        if len(path) >= DEPTH_CAP:
            break
        seen.add(current)
        node = mapping[current]
        if not isinstance(node, dict):
            break
        path.append(node)
        current = node.get("parent")
    return iter(path[::-1])


def _message(node: dict[str, Any]) -> tuple[Literal["user", "assistant"], str] | None:
    message = node.get("message")
    if not isinstance(message, dict):
        return None
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    content = message.get("content")
    if role not in ("user", "assistant") or not isinstance(content, dict):
        return None
    metadata = message.get("metadata")
    hidden = isinstance(metadata, dict) and metadata.get("is_visually_hidden_from_conversation")
    if content.get("content_type") != "text" or hidden:
        return None
    parts = content.get("parts")
    text = "\n\n".join(p for p in parts if isinstance(p, str)) if isinstance(parts, list) else ""
    text = text.strip()[:MESSAGE_CAP]
    if not text:
        return None
    return ("user" if role == "user" else "assistant"), text


def _time(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
