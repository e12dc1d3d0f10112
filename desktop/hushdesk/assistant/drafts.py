"""Saved drafts and the user's own templates, and the service the CLI and the GUI share."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hushdesk import paths
from hushdesk.assistant.email import (
    Draft,
    Drafter,
    DraftError,
    Request,
    Sender,
    Template,
    builtin_templates,
    read_pack,
)
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes
from hushdesk.jobs import CancelToken
from hushdesk.sqlitedb import Database

if TYPE_CHECKING:
    from hushdesk.core import Core

SCHEMA = (
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,  -- JSON of the Draft
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL,  -- JSON of the Template
        updated_at REAL NOT NULL
    );
    """,
)


class DraftStore(Database):
    what = "drafts"
    migrations = SCHEMA

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or paths.data_dir() / "drafts.sqlite")

    def save(self, draft: Draft) -> Draft:
        """Insert, or update when the draft has an id; returns it with its id."""
        now = time.time()
        with self._tx() as db:
            if draft.id is None:
                cursor = db.execute(
                    "INSERT INTO drafts (kind, subject, data, created_at, updated_at) "
                    "VALUES (?, ?, '{}', ?, ?)",
                    (draft.request.kind, draft.subject, now, now),
                )
                draft = replace(draft, id=cursor.lastrowid)
            data = json.dumps(draft.to_dict(), ensure_ascii=False)
            db.execute(
                "UPDATE drafts SET kind = ?, subject = ?, data = ?, updated_at = ? WHERE id = ?",
                (draft.request.kind, draft.subject, data, now, draft.id),
            )
        return draft

    def get(self, draft_id: int) -> Draft | None:
        rows = self._rows("SELECT data FROM drafts WHERE id = ?", (draft_id,))
        return Draft.from_dict(json.loads(rows[0][0])) if rows else None

    def drafts(self, limit: int = 200) -> list[tuple[Draft, float]]:
        """Newest first, each with when it was last changed."""
        rows = self._rows("SELECT data, updated_at FROM drafts ORDER BY updated_at DESC, id DESC "
                          "LIMIT ?", (limit,))  # fmt: skip
        return [(Draft.from_dict(json.loads(r[0])), float(r[1])) for r in rows]

    def delete(self, draft_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def templates(self) -> list[Template]:
        rows = self._rows("SELECT data FROM templates ORDER BY json_extract(data, '$.name')")
        return [Template.from_dict(json.loads(r[0])) for r in rows]

    def put_template(self, template: Template) -> None:
        data = json.dumps(template.to_dict(), ensure_ascii=False)
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO templates (id, data, updated_at) VALUES (?, ?, ?)",
                       (template.id, data, time.time()))  # fmt: skip

    def delete_template(self, template_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM templates WHERE id = ?", (template_id,))


class Templates:
    """The shipped packs (read-only) and the user's own templates."""

    def __init__(self, store: DraftStore) -> None:
        self.store = store

    def all(self) -> list[Template]:
        return [*builtin_templates(), *self.store.templates()]

    def get(self, template_id: str) -> Template:
        for template in self.all():
            if template.id == template_id or template.name.lower() == template_id.lower():
                return template
        raise DraftError(f"No template {template_id!r}. See `hushdesk templates`.")

    def save(self, template: Template) -> Template:
        if any(t.id == template.id for t in builtin_templates()):
            raise DraftError("Shipped templates cannot be changed: duplicate it and edit "
                             "the copy.")  # fmt: skip
        template = replace(template, builtin=False, pack="mine", pack_name="My templates")
        template.check()
        self.store.put_template(template)
        return template

    def duplicate(self, template_id: str) -> Template:
        original = self.get(template_id)
        copy = replace(original, id=self._free_id(f"{original.id}-copy"),
                       name=f"{original.name} (copy)")  # fmt: skip
        return self.save(copy)

    def delete(self, template_id: str) -> None:
        if any(t.id == template_id for t in builtin_templates()):
            raise DraftError("Shipped templates cannot be deleted.")
        self.store.delete_template(template_id)

    def new_id(self, name: str) -> str:
        return self._free_id(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "template")

    def _free_id(self, base: str) -> str:
        taken = {t.id for t in self.all()}
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def import_file(self, path: Path) -> list[Template]:
        """Templates from a ``.toml`` or ``.json`` pack: all of them are checked before any
        is saved. One with the id of a shipped template is saved under a new id; one with
        the id of the user's own replaces it."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DraftError(f"Cannot read {path.name}: {exc.strerror or exc}.") from exc
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(raw)
            else:
                import tomllib

                data = tomllib.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise DraftError(f"{path.name} is not a valid template file: {exc}") from exc
        if not isinstance(data, dict):
            raise DraftError(f"{path.name} is not a valid template file.")
        try:
            found = read_pack(data)
        except DraftError as exc:
            raise DraftError(f"{path.name}: {exc.message}") from exc
        shipped = {t.id for t in builtin_templates()}
        saved = []
        for template in found:
            renamed = template
            if template.id in shipped:
                renamed = replace(template, id=self._free_id(f"{template.id}-imported"))
            saved.append(self.save(renamed))
        return saved

    def export(self, templates: Iterable[Template], path: Path) -> None:
        data = {"pack": {"id": "mine", "name": "My templates"},
                "template": [t.to_dict() for t in templates]}  # fmt: skip
        if path.suffix.lower() == ".json":
            raw = json.dumps(data, indent=2, ensure_ascii=False).encode()
        elif path.suffix.lower() == ".toml":
            import tomli_w

            raw = tomli_w.dumps(data, multiline_strings=True).encode()
        else:
            raise DraftError("Export templates as .toml or .json.")
        atomic_write_bytes(path, raw)


class Drafts:
    """Drafts on the core's model, kept in history (shared by the CLI and the GUI)."""

    def __init__(self, core: Core, store: DraftStore | None = None) -> None:
        self.core = core
        self.store = store or DraftStore()
        self.templates = Templates(self.store)

    @property
    def sender(self) -> Sender:
        s = self.core.settings.email
        return Sender(name=s.sender_name, address=s.sender_address, signature=s.signature)

    def draft(
        self,
        request: Request,
        *,
        model: str | None = None,
        seed: int = -1,
        cancel: CancelToken | None = None,
        on_text: Callable[[str], None] | None = None,
        replaces: int | None = None,
    ) -> Draft:
        """A new draft (or a regenerated one, kept under the id ``replaces``), saved."""
        request.check()
        chosen = self.core.chat_model(model)
        self.core.ensure_loaded(chosen)
        documents = self.core.documents if request.libraries else None
        if documents is not None:
            existing = {lib.name for lib in documents.store.libraries()}
            missing = [name for name in request.libraries if name not in existing]
            if missing:
                raise HushdeskError(f"No library called {missing[0]!r}.")
        drafter = Drafter(self.core.engine, documents=documents, sender=self.sender,
                          model=chosen.name)  # fmt: skip
        draft = drafter.draft(request, seed=seed, cancel=cancel, on_text=on_text)
        return self.store.save(replace(draft, id=replaces))

    def from_template(self, template_id: str, values: dict[str, str]) -> Draft:
        draft = self.templates.get(template_id).render(values, sender=self.sender)
        return self.store.save(draft)

    def export(self, draft: Draft, path: Path) -> None:
        """``.eml`` (opens in a mail program) or ``.txt``."""
        from hushdesk.assistant.email import to_eml

        suffix = path.suffix.lower()
        if suffix == ".eml":
            raw = to_eml(draft, self.sender)
        elif suffix in (".txt", ".md"):
            raw = (draft.text() + "\n").encode()
        else:
            raise DraftError("Save a draft as .eml (for a mail program) or .txt.")
        atomic_write_bytes(path, raw)

    def close(self) -> None:
        self.store.close()


def values_from_pairs(pairs: Iterable[str]) -> dict[str, Any]:
    """``["client_name=Ann Lee", …]`` → ``{"client_name": "Ann Lee", …}``."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise DraftError(f"Write variables as NAME=VALUE, not {pair!r}.")
        values[name.strip()] = value
    return values
