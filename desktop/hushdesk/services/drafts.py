"""Email drafts and templates: draft on the chat model (grounded in a library when
asked), keep drafts and their edits, templates (shipped packs and the user's own,
duplicate, import, export), export as .eml — for the Email page and ``hushdesk draft``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hushdesk.assistant.email.draft import Draft, Sender, review
from hushdesk.assistant.email.drafter import Drafter
from hushdesk.assistant.email.eml import MAILTO_LIMIT, mailto, to_docx, to_eml
from hushdesk.assistant.email.kinds import DraftError, Kind, Length, Tone, kinds, lengths, tones
from hushdesk.assistant.email.request import Request
from hushdesk.assistant.email.store import DraftStore
from hushdesk.assistant.email.templates import Template, builtin_templates, read_pack
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import atomic_write_bytes
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker, TextCallback
from hushdesk.services.preferences import Preferences
from hushdesk.services.runtime import ModelRuntime

if TYPE_CHECKING:
    from hushdesk.library.libraries import DocumentLibrary

__all__ = [
    "MAILTO_LIMIT",
    "Draft",
    "DraftError",
    "Drafts",
    "Kind",
    "Length",
    "Request",
    "Template",
    "Templates",
    "Tone",
    "kinds",
    "lengths",
    "mailto",
    "review",
    "tones",
    "values_from_pairs",
]


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
            raise DraftError("Shipped templates cannot be changed: duplicate it and edit the copy.")
        template = replace(template, builtin=False, pack="mine", pack_name="My templates")
        template.check()
        self.store.put_template(template)
        return template

    def duplicate(self, template_id: str) -> Template:
        original = self.get(template_id)
        copy = replace(
            original, id=self._free_id(f"{original.id}-copy"), name=f"{original.name} (copy)"
        )
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
        is saved. One with the id of a shipped template or of a different one of the
        user's own is saved beside it, under a new id and "(imported)" in its name,
        never over it; one identical to the user's own changes nothing."""
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
        mine = {t.id: t for t in self.store.templates()}
        saved = []
        for template in found:
            kept = mine.get(template.id)
            if kept is not None and _same(kept, template):
                saved.append(kept)
                continue
            beside = template
            if template.id in shipped or kept is not None:
                beside = replace(
                    template,
                    id=self._free_id(f"{template.id}-imported"),
                    name=template.name if kept is None else f"{template.name} (imported)",
                )
            saved.append(self.save(beside))
        return saved

    def export(self, templates: Iterable[Template], path: Path) -> None:
        data = {
            "pack": {"id": "mine", "name": "My templates"},
            "template": [t.to_dict() for t in templates],
        }
        if path.suffix.lower() == ".json":
            raw = json.dumps(data, indent=2, ensure_ascii=False).encode()
        elif path.suffix.lower() == ".toml":
            import tomli_w

            raw = tomli_w.dumps(data, multiline_strings=True).encode()
        else:
            raise DraftError("Export templates as .toml or .json.")
        atomic_write_bytes(path, raw)


class Drafts:
    """Drafts on the chat model, kept with their edits; templates; export."""

    def __init__(
        self,
        store: DraftStore,
        runtime: ModelRuntime,
        preferences: Preferences,
        library: Callable[[], DocumentLibrary],
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.preferences = preferences
        self.templates = Templates(store)
        self._library = library  # opened only for a draft that uses facts from one

    @property
    def sender(self) -> Sender:
        s = self.preferences.sender
        return Sender(name=s.sender_name, address=s.sender_address, signature=s.signature)

    def draft(
        self,
        request: Request,
        *,
        model: str | None = None,
        seed: int = -1,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        on_text: TextCallback | None = None,
        replaces: int | None = None,
        save: bool = True,
    ) -> Draft:
        """A new draft (or a regenerated one, kept under the id ``replaces``), saved
        unless ``save`` is off (the local API keeps nothing it was not asked to)."""
        request.check()
        budget = lengths()[request.length].tokens
        tracker = ProgressTracker(budget, "Writing the draft")
        if progress is not None:
            label = "Finding facts in your documents" if request.libraries else "Loading the model"
            progress(Progress(0, None, label))
        chosen = self.runtime.chat_model(model)
        self.runtime.ensure_loaded(chosen)
        library = self._library() if request.libraries else None
        if library is not None:
            existing = {lib.name for lib in library.store.libraries()}
            missing = [name for name in request.libraries if name not in existing]
            if missing:
                raise HushdeskError(f"No library called {missing[0]!r}.")
        written = [0]

        def text(chunk: str) -> None:
            written[0] += 1
            if on_text is not None:
                on_text(chunk)
            if progress is not None and written[0] % 4 == 0:
                progress(tracker.update(min(written[0], budget)))

        drafter = Drafter(
            self.runtime.engine_for(chosen),
            documents=library,
            sender=self.sender,
            model=chosen.name,
        )
        draft = drafter.draft(request, seed=seed, cancel=cancel, on_text=text)
        return self.store.save(replace(draft, id=replaces)) if save else draft

    def from_template(self, template_id: str, values: dict[str, str]) -> Draft:
        draft = self.templates.get(template_id).render(values, sender=self.sender)
        return self.store.save(draft)

    def all(self, limit: int = 200) -> list[tuple[Draft, float]]:
        """Newest first, each with when it was last changed."""
        return self.store.drafts(limit)

    def get(self, draft_id: int) -> Draft:
        draft = self.store.get(draft_id)
        if draft is None:
            raise DraftError(f"No draft has the id {draft_id}.")
        return draft

    def save(self, draft: Draft) -> Draft:
        """Keep an edited draft (subject and body as the user left them)."""
        return self.store.save(draft)

    def delete(self, draft_id: int) -> None:
        self.store.delete(draft_id)

    def export(self, draft: Draft, path: Path) -> None:
        """``.eml`` (opens in a mail program), ``.docx`` (Word, its citations footnotes)
        or ``.txt``."""
        suffix = path.suffix.lower()
        if suffix == ".eml":
            raw = to_eml(draft, self.sender)
        elif suffix == ".docx":
            raw = to_docx(draft)
        elif suffix in (".txt", ".md"):
            raw = (draft.text() + "\n").encode()
        else:
            raise DraftError("Save a draft as .eml (for a mail program), .docx or .txt.")
        atomic_write_bytes(path, raw)

    def close(self) -> None:
        self.store.close()


def _same(mine: Template, imported: Template) -> bool:
    fields = ("name", "kind", "tone", "subject", "body")
    return all(getattr(mine, f) == getattr(imported, f) for f in fields) and dict(
        mine.variables
    ) == dict(imported.variables)


def values_from_pairs(pairs: Iterable[str]) -> dict[str, Any]:
    """``["client_name=Ann Lee", …]`` → ``{"client_name": "Ann Lee", …}``."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise DraftError(f"Write variables as NAME=VALUE, not {pair!r}.")
        values[name.strip()] = value
    return values
