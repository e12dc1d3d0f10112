"""Matters: one place per client, case or patient, walled off from the others.

A matter has its own conversations, libraries, summaries and drafts, in stores of its
own under ``data/matters/ID/``, and its own standing instructions. Each matter but the
first has its own random key, kept in ``matters.sealed`` (sealed under the data key,
so it is wrapped by the data key and rotates with it); its stores' keys are derived
from it. Deleting a matter destroys its key first — the sealed list is rewritten
without it — and then its folder: even if the second step is cut short, what is left
cannot be read, and the next start removes it.

The first matter (``DEFAULT``) is what existed before matters: its stores stay where
they were, under keys derived from the data key (re-keyed by a key change like
before), so nothing is migrated and it cannot be deleted, only renamed.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hushdesk import paths, policy
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import locked
from hushdesk.sealed import b64, subkey, unb64
from hushdesk.sqlitedb import Database
from hushdesk.vault import Vault

if TYPE_CHECKING:
    from hushdesk.assistant.chat_store import ConversationStore
    from hushdesk.assistant.email.store import DraftStore
    from hushdesk.assistant.summarize.store import SummaryStore
    from hushdesk.library.store import DocumentStore

log = logging.getLogger("hushdesk.matters")

DEFAULT = "default"
DEFAULT_NAME = "General"
NAME_CHARS = 80
STORES = ("conversations", "library", "summaries", "drafts")
D = TypeVar("D", bound=Database)


@dataclass(frozen=True)
class MatterStores:
    """One matter's stores, open."""

    conversations: ConversationStore
    library: DocumentStore
    summaries: SummaryStore
    drafts: DraftStore

    def by_name(self) -> dict[str, Database]:
        return {
            "conversations": self.conversations,
            "library": self.library,
            "summaries": self.summaries,
            "drafts": self.drafts,
        }

    @classmethod
    def open(cls, key_of: Callable[[str], bytes], path_of: Callable[[str], Path]) -> MatterStores:
        """Each store opened under its key at its place (those opened are closed again
        when one fails)."""
        from hushdesk.assistant.chat_store import ConversationStore
        from hushdesk.assistant.email.store import DraftStore
        from hushdesk.assistant.summarize.store import SummaryStore
        from hushdesk.library.store import DocumentStore

        with ExitStack() as stack:

            def opened(kind: Callable[[bytes, Path], D], name: str) -> D:
                store = kind(key_of(name), path_of(name))
                stack.callback(store.close)
                return store

            stores = cls(
                opened(ConversationStore, "conversations"),
                opened(DocumentStore, "library"),
                opened(SummaryStore, "summaries"),
                opened(DraftStore, "drafts"),
            )
            stack.pop_all()
        return stores

    def close(self) -> None:
        for store in self.by_name().values():
            store.close()


class MatterError(HushdeskError):
    """A matter cannot be found, named or changed as asked."""


@dataclass(frozen=True)
class Matter:
    id: str
    name: str
    instructions: str = ""  # the matter's standing instructions ("We act for the tenant")
    created: float = 0.0
    closed: bool = False  # read-only: nothing new is written in it
    retention_days: int | None = None  # conversations, drafts, summaries older go

    @property
    def default(self) -> bool:
        return self.id == DEFAULT


@dataclass(frozen=True)
class Reserved:
    """A matter's id and key before it is recorded (its stores are being put in place)."""

    id: str
    key: bytes

    @classmethod
    def new(cls) -> Reserved:
        return cls(secrets.token_hex(8), secrets.token_bytes(32))

    def store_key(self, store: str) -> bytes:
        return subkey(self.key, f"store:{store}")


def clean_name(name: str) -> str:
    """A matter's name as typed, made safe to show and store: no control characters,
    spaces folded, not empty, at most ``NAME_CHARS``."""
    name = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e]", " ", name).split())
    if not name:
        raise MatterError("Give the matter a name.")
    if len(name) > NAME_CHARS:
        raise MatterError(f"A matter's name has at most {NAME_CHARS} characters.")
    return name


class Matters:
    """The list of matters, their keys and their folders."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._box = vault.sealed(paths.matters_file(), "matters")
        self._lock = paths.data_dir() / ".matters.lock"
        self._remove_orphans()

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[Matter]:
        """Every matter, the first one first, then by name."""
        records = self._records()
        matters = [_matter(r) for r in records.values()]
        return sorted(matters, key=lambda m: (not m.default, m.name.casefold()))

    def get(self, name_or_id: str) -> Matter:
        """A matter by its name (any case) or its id."""
        wanted = name_or_id.strip()
        for matter in self.list():
            if matter.id == wanted or matter.name.casefold() == wanted.casefold():
                return matter
        names = ", ".join(m.name for m in self.list())
        raise MatterError(f"There is no matter called “{wanted}” (there are: {names}).")

    def store_key(self, matter: Matter, store: str) -> bytes:
        """The key of one of the matter's stores."""
        if matter.default:
            return self.vault.store_key(store)
        record = self._records().get(matter.id)
        if record is None:
            raise MatterError(f"The matter “{matter.name}” was deleted.")
        return Reserved(matter.id, unb64(record["key"])).store_key(store)

    @staticmethod
    def store_path(matter: Matter | Reserved, store: str) -> Path:
        if isinstance(matter, Reserved):
            return paths.matter_dir(matter.id) / f"{store}.sqlite"
        if matter.default:
            return {
                "conversations": paths.conversations_db,
                "library": paths.library_db,
                "summaries": paths.summaries_db,
                "drafts": paths.drafts_db,
            }[store]()
        return paths.matter_dir(matter.id) / f"{store}.sqlite"

    # -- changing ------------------------------------------------------------------------

    def add(
        self,
        name: str,
        instructions: str = "",
        *,
        retention_days: int | None = None,
        reserved: Reserved | None = None,
    ) -> Matter:
        """A new matter; with ``reserved``, the one whose stores were put in place
        already (an import: the matter appears only once they are complete)."""
        name = clean_name(name)
        reserved = reserved or Reserved.new()
        with locked(self._lock):
            records = self._records()
            self._check_free(records, name)
            matter = Matter(
                reserved.id, name, instructions.strip(), time.time(),
                retention_days=retention_days,
            )  # fmt: skip
            records[matter.id] = {**asdict(matter), "key": b64(reserved.key)}
            self._write(records)
        log.info("matter added")
        return matter

    def free_name(self, name: str) -> str:
        """``name``, or ``name (2)``, ``name (3)``… when it is taken."""
        taken = {m.name.casefold() for m in self.list()}
        name, n = clean_name(name), 2
        candidate = name
        while candidate.casefold() in taken:
            candidate, n = f"{name} ({n})", n + 1
        return candidate

    def rename(self, matter: Matter, name: str) -> Matter:
        name = clean_name(name)
        return self._change(matter, name=name, check_name=True)

    def set_instructions(self, matter: Matter, instructions: str) -> Matter:
        return self._change(matter, instructions=instructions.strip())

    def close_matter(self, matter: Matter, closed: bool = True) -> Matter:
        """Closed: read-only (kept, searchable, nothing new written); or opened again."""
        return self._change(matter, closed=closed)

    def set_retention(self, matter: Matter, days: int | None) -> Matter:
        if days is not None and days < 1:
            raise MatterError("Keep things at least one day, or turn retention off.")
        policy.load().retention(days)  # within the firm's bounds, when it sets any
        return self._change(matter, retention_days=days)

    def api_token(self, matter: Matter, *, new: bool = False) -> str | None:
        """The local API's token limited to this matter (made when ``new``; a new one
        replaces the old), or ``None`` when it has none."""
        with locked(self._lock):
            records = self._records()
            record = records.get(matter.id)
            if record is None:
                raise MatterError(f"The matter “{matter.name}” was deleted.")
            if new:
                record["api_token"] = "hdm-" + secrets.token_urlsafe(32)
                self._write(records)
            token = record.get("api_token")
        return token if isinstance(token, str) else None

    def delete(self, matter: Matter) -> None:
        """The matter's key first, then its folder (the key's loss alone makes it
        unreadable). Its stores must be closed (``App`` closes the open matter's)."""
        if matter.default:
            raise MatterError(
                f"“{matter.name}” is the first matter: it can be emptied, not deleted."
            )
        with locked(self._lock):
            records = self._records()
            if records.pop(matter.id, None) is None:
                return
            self._write(records)
        self._remove_folder(paths.matter_dir(matter.id))
        log.info("matter deleted")

    # -- inside ----------------------------------------------------------------------------

    def _change(self, matter: Matter, *, check_name: bool = False, **fields: Any) -> Matter:
        with locked(self._lock):
            records = self._records()
            record = records.get(matter.id)
            if record is None:
                raise MatterError(f"The matter “{matter.name}” was deleted.")
            if check_name:
                self._check_free(records, fields["name"], but=matter.id)
            changed = replace(_matter(record), **fields)
            records[matter.id] = {**record, **asdict(changed)}
            self._write(records)
        return changed

    @staticmethod
    def _check_free(records: dict[str, dict[str, Any]], name: str, but: str = "") -> None:
        for key, record in records.items():
            if key != but and str(record["name"]).casefold() == name.casefold():
                raise MatterError(f"There is already a matter called “{record['name']}”.")

    def _records(self) -> dict[str, dict[str, Any]]:
        data = self._box.read() or {}
        records: dict[str, dict[str, Any]] = {
            str(r["id"]): dict(r) for r in data.get("matters", []) if isinstance(r, dict)
        }
        if DEFAULT not in records:
            records[DEFAULT] = asdict(Matter(DEFAULT, DEFAULT_NAME))
        return records

    def _write(self, records: dict[str, dict[str, Any]]) -> None:
        self._box.write({"matters": list(records.values())})

    def _remove_orphans(self) -> None:
        """Folders of matters whose key is gone (a deletion cut short): unreadable,
        removed."""
        root = paths.matters_dir()
        if not root.is_dir():
            return
        known = set(self._records())
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in known:
                self._remove_folder(folder)

    @staticmethod
    def _remove_folder(folder: Path) -> None:
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("a deleted matter's folder is left (%s); removed at the next start", exc)


def _matter(record: dict[str, Any]) -> Matter:
    days = record.get("retention_days")
    return Matter(
        id=str(record["id"]),
        name=str(record["name"]),
        instructions=str(record.get("instructions", "")),
        created=float(record.get("created", 0.0)),
        closed=bool(record.get("closed", False)),
        retention_days=int(days) if days is not None else None,
    )
