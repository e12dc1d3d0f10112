"""Templates with variables: shipped packs (resources/templates) and the user's own."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from hushdesk import assets

if TYPE_CHECKING:
    pass

from hushdesk.assistant.email.draft import Draft, Sender
from hushdesk.assistant.email.kinds import DraftError, kinds, tones
from hushdesk.assistant.email.request import Request

_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """A subject is one header line: a mail program (and Python's email package, which
    raises) refuses line breaks in it, and one would let a value add a header."""
    return _LINE_BREAKS.sub(" ", text).strip()


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    kind: str = "new"
    tone: str = "formal"
    subject: str = ""
    body: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)  # name → label in the form
    pack: str = "mine"
    pack_name: str = "My templates"
    builtin: bool = False

    AUTOMATIC = ("date", "sender_name")  # filled in when left empty

    def fields(self) -> list[str]:
        """The variables: those the template lists first, in its order, then any others
        in the order they appear."""
        names: list[str] = []
        for text in (self.subject, self.body):
            try:
                parsed = list(string.Formatter().parse(text))
            except ValueError as exc:
                raise DraftError(
                    f"The template “{self.name}” has a stray brace: {exc}. "
                    "Write {{ and }} for literal braces."
                ) from None
            for _, name, spec, conversion in parsed:
                if name is None:
                    continue
                if not name.isidentifier() or spec or conversion:
                    raise DraftError(
                        f"The template “{self.name}” has a variable {{{name}}} "
                        "that is not a plain name like {client_name}."
                    )
                if name not in names:
                    names.append(name)
        listed = [name for name in self.variables if name in names]
        return listed + [name for name in names if name not in listed]

    def label(self, name: str) -> str:
        return self.variables.get(name) or name.replace("_", " ").capitalize()

    def check(self) -> None:
        if not self.id.strip() or not self.name.strip():
            raise DraftError("A template needs an id and a name.")
        if self.kind not in kinds():
            raise DraftError(f"The template “{self.name}” has an unknown kind {self.kind!r}.")
        if self.tone not in tones():
            raise DraftError(f"The template “{self.name}” has an unknown tone {self.tone!r}.")
        if not self.body.strip():
            raise DraftError(f"The template “{self.name}” has no body.")
        if one_line(self.subject) != self.subject.strip():
            raise DraftError(
                f"The template “{self.name}” has a line break in its subject; "
                "a subject is a single line."
            )
        self.fields()

    def render(
        self,
        values: Mapping[str, str],
        *,
        sender: Sender | None = None,
        today: dt.date | None = None,
    ) -> Draft:
        """The draft with every variable filled in; a clear error names any left empty."""
        self.check()
        sender = sender or Sender()
        today = today or dt.date.today()
        filled = {"date": f"{today.day} {today:%B %Y}", "sender_name": sender.name.strip()}
        filled.update({k: str(v).strip() for k, v in values.items() if str(v).strip()})
        missing = [name for name in self.fields() if not filled.get(name)]
        if missing:
            raise DraftError(
                f"Fill in {', '.join(self.label(m) for m in missing)} to use "
                f"the template “{self.name}”."
            )
        body = self.body.strip().format_map(filled)
        body = f"{body}\n\n{tones()[self.tone].closing}"
        if sender.sign_off:
            body += "\n" + sender.sign_off
        request = Request(kind=self.kind, tone=self.tone)
        return Draft(
            subject=one_line(self.subject.format_map(filled)),
            body=body,
            request=request,
            template=self.id,
        )

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("id", "name", "kind", "tone", "subject", "body")}
        data["variables"] = {
            name: self.label(name)
            for name in self.fields()
            if name not in self.AUTOMATIC or name in self.variables
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **extra: Any) -> Template:
        if not isinstance(data, Mapping):
            raise DraftError("A template must be a table of fields.")
        try:
            template = cls(
                id=str(data["id"]).strip(),
                name=str(data["name"]).strip(),
                kind=str(data.get("kind", "new")),
                tone=str(data.get("tone", "formal")),
                subject=one_line(str(data.get("subject", ""))),  # a pack written by hand
                body=str(data.get("body", "")),
                variables={str(k): str(v) for k, v in dict(data.get("variables") or {}).items()},
                **extra,
            )
        except KeyError as exc:
            raise DraftError(f"A template is missing its {exc.args[0]!r}.") from None
        template.check()
        return template


def read_pack(data: Mapping[str, Any], *, builtin: bool = False) -> list[Template]:
    """Templates from a pack's data (TOML or JSON, the same shape)."""
    pack = data.get("pack") or {}
    entries = data.get("template")
    if not isinstance(entries, list) or not entries:
        raise DraftError(
            "No templates found: a pack lists them as [[template]] entries "
            '(TOML) or a "template" list (JSON).'
        )
    extra: dict[str, Any] = {"builtin": builtin}
    if pack.get("id"):
        extra |= {"pack": str(pack["id"]), "pack_name": str(pack.get("name", pack["id"]))}
    return [Template.from_dict(entry, **extra) for entry in entries]


@cache
def builtin_templates() -> tuple[Template, ...]:
    found: list[Template] = []
    for _name, data in assets.toml_files("templates"):
        found += read_pack(data, builtin=True)
    return tuple(found)


# -- sending -------------------------------------------------------------------------------
