"""A matter handed over: exported as one encrypted archive with a passphrase of its own,
imported on another computer or profile.

The archive is age (https://age-encryption.org, an audited format) through ``pyrage``,
rage's binding; nothing here is home-made cryptography. age's passphrase mode works on
whole messages in memory, so it seals only a small header; the matter's stores follow
as one age stream to a fresh X25519 key that the header holds:

    MAGIC · header length (8 bytes) · age(passphrase: header JSON) · age(X25519: tar)

The header names the matter (name, standing instructions, retention) and holds the
archive's own store key. The tar holds the matter's four stores, copied with SQLite's
online backup under keys derived from that archive key (so they are encrypted twice,
and the stores stay open while they are copied). Files on disk meanwhile are only
ever encrypted ones.

An import decrypts into a folder of a matter that is not recorded yet, copies each
store under the new matter's own key, checks it, and only then records the matter:
killed at any point, either the matter is there whole or it is not there at all (a
folder left behind has no key and is removed at the next start).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hushdesk import paths
from hushdesk.errors import HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback
from hushdesk.passphrases import check_passphrase
from hushdesk.sealed import b64, subkey, unb64
from hushdesk.services.matters import (
    NAME_CHARS,
    STORES,
    Matter,
    Matters,
    MatterStores,
    Reserved,
    clean_name,
)
from hushdesk.sqlitedb import copy_file

log = logging.getLogger("hushdesk.handover")

MAGIC = b"hushdesk matter archive\n"
FORMAT = 1
HEADER_CAP = 64 * 1024  # the header is a few hundred bytes
STORE_CAP = 64 * 1024**3  # one store in an archive: 64 GiB at most


class HandoverError(HushdeskError):
    """An archive cannot be written or read."""


@dataclass(frozen=True)
class Imported:
    matter: Matter
    renamed_from: str  # the archive's name, when that was taken here ("" otherwise)


def export_matter(
    matter: Matter,
    stores_of: Callable[[Matter], AbstractContextManager[MatterStores]],
    out: Path,
    passphrase: str,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write ``matter`` to ``out`` (replaced whole, or left as it was); ``out``."""
    import pyrage
    from pyrage import passphrase as age_passphrase
    from pyrage import x25519

    check_passphrase(passphrase)
    archive_key = secrets.token_bytes(32)
    identity = x25519.Identity.generate()
    header = {
        "format": FORMAT,
        "matter": {
            "name": matter.name,
            "instructions": matter.instructions,
            "retention_days": matter.retention_days,
        },
        "key": b64(archive_key),
        "identity": str(identity),
    }
    steps = len(STORES) + 1
    with _work_folder() as work:
        with stores_of(matter) as stores:
            for i, (name, store) in enumerate(stores.by_name().items()):
                _check(cancel)
                _tell(progress, i, steps, f"Copying {name}")
                store.copy_to(work / f"{name}.sqlite", _store_key(archive_key, name))
        tar = work / "stores.tar"
        with tarfile.open(tar, "w", format=tarfile.PAX_FORMAT) as bundle:
            for name in STORES:
                bundle.add(work / f"{name}.sqlite", arcname=f"{name}.sqlite", recursive=False)
        _check(cancel)
        _tell(progress, len(STORES), steps, "Encrypting")
        sealed = age_passphrase.encrypt(json.dumps(header).encode("utf-8"), passphrase)
        partial = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
        try:
            with partial.open("wb") as sink, tar.open("rb") as source:
                sink.write(MAGIC + len(sealed).to_bytes(8, "big") + sealed)
                pyrage.encrypt_io(source, sink, [identity.to_public()])
                sink.flush()
                os.fsync(sink.fileno())
            _check(cancel)
            partial.replace(out)
        except OSError as exc:
            raise HandoverError(
                f"Could not write {out.name}: {exc.strerror or exc}.", detail=repr(exc)
            ) from exc
        finally:
            partial.unlink(missing_ok=True)
    _tell(progress, steps, steps, "Done")
    log.info("matter exported")
    return out


def import_matter(
    matters: Matters,
    archive: Path,
    passphrase: str,
    *,
    name: str | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> Imported:
    """The archive's matter, as a new matter here (its name made free if it is taken)."""
    import pyrage
    from pyrage import x25519

    try:
        source = archive.open("rb")
    except OSError as exc:
        raise HandoverError(f"Cannot read {archive.name}: {exc.strerror or exc}.") from exc
    with source:
        header = _read_header(source, passphrase, archive.name)
        meta = header["matter"]
        wanted = clean_name(name or str(meta.get("name", "")) or "Imported matter")
        free = matters.free_name(wanted)
        reserved = Reserved.new()
        folder = paths.matter_dir(reserved.id)
        archive_key = unb64(header["key"])
        try:
            with _work_folder() as work:
                _tell(progress, 0, len(STORES) + 1, "Decrypting")
                tar = work / "stores.tar"
                with tar.open("wb") as sink:
                    try:
                        identity = x25519.Identity.from_str(str(header["identity"]))
                        pyrage.decrypt_io(source, sink, [identity])
                    except (pyrage.DecryptError, ValueError) as exc:
                        raise HandoverError(f"{archive.name} is damaged.") from exc
                for i, member in enumerate(_members(tar, work)):
                    _check(cancel)
                    store = member.stem
                    _tell(progress, i + 1, len(STORES) + 1, f"Checking {store}")
                    copy_file(
                        member,
                        _store_key(archive_key, store),
                        Matters.store_path(reserved, store),
                        reserved.store_key(store),
                    )
            _check(cancel)
            matter = matters.add(
                free,
                str(meta.get("instructions") or ""),
                retention_days=_days(meta.get("retention_days")),
                reserved=reserved,
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # never recorded: nothing to see
            raise
    log.info("matter imported")
    return Imported(matter, wanted if free != wanted else "")


def check_archive(archive: Path, passphrase: str) -> str:
    """The archive opens with ``passphrase`` and names a matter; its name."""
    try:
        with archive.open("rb") as source:
            header = _read_header(source, passphrase, archive.name)
    except OSError as exc:
        raise HandoverError(f"Cannot read {archive.name}: {exc.strerror or exc}.") from exc
    return str(header["matter"]["name"])


# -- inside --------------------------------------------------------------------------------


def _store_key(archive_key: bytes, store: str) -> bytes:
    return subkey(archive_key, f"archive:{store}")


def _read_header(source: IO[bytes], passphrase: str, label: str) -> dict[str, Any]:
    from pyrage import DecryptError
    from pyrage import passphrase as age_passphrase

    if source.read(len(MAGIC)) != MAGIC:
        raise HandoverError(f"{label} is not a Hushdesk matter archive.")
    size = int.from_bytes(source.read(8), "big")
    if not 0 < size <= HEADER_CAP:
        raise HandoverError(f"{label} is damaged.")
    sealed = source.read(size)
    try:
        header = json.loads(age_passphrase.decrypt(sealed, passphrase))
    except DecryptError as exc:
        raise HandoverError(f"This passphrase does not open {label}.") from exc
    except ValueError as exc:
        raise HandoverError(f"{label} is damaged.") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise HandoverError(f"{label} was written by another version of Hushdesk.")
    if not isinstance(header.get("matter"), dict) or not isinstance(header.get("key"), str):
        raise HandoverError(f"{label} is damaged.")
    name = header["matter"].get("name")
    if not isinstance(name, str) or len(name) > NAME_CHARS * 4:
        raise HandoverError(f"{label} is damaged.")
    return header


def _members(tar: Path, work: Path) -> list[Path]:
    """The archive's stores, each a regular file of a known name within its cap; nothing
    else in the tar is read or written."""
    found: list[Path] = []
    try:
        with tarfile.open(tar, "r") as bundle:
            for member in bundle.getmembers():
                name = member.name
                if name not in {f"{s}.sqlite" for s in STORES} or not member.isfile():
                    raise HandoverError("The archive holds something that is not a store.")
                if member.size > STORE_CAP:
                    raise HandoverError("The archive holds a store too large to be real.")
                extracted = bundle.extractfile(member)
                if extracted is None:
                    raise HandoverError("The archive is damaged.")
                target = work / name
                with extracted, target.open("wb") as sink:
                    shutil.copyfileobj(extracted, sink)
                found.append(target)
    except tarfile.TarError as exc:
        raise HandoverError("The archive is damaged.") from exc
    if sorted(p.name for p in found) != sorted(f"{s}.sqlite" for s in STORES):
        raise HandoverError("The archive does not hold a whole matter.")
    return found


def _days(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


STALE_S = 6 * 3600  # a work folder this old was left by a process that was killed


@contextlib.contextmanager
def _work_folder() -> Iterator[Path]:
    """A private folder for the encrypted copies, removed after (and those a killed
    process left, once they are old: only encrypted copies whose key died with it)."""
    for old in paths.cache_dir().glob(".handover-*"):
        with contextlib.suppress(OSError):
            if time.time() - old.stat().st_mtime > STALE_S:
                shutil.rmtree(old, ignore_errors=True)
    folder = paths.cache_dir() / f".handover-{secrets.token_hex(6)}"
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _tell(progress: ProgressCallback | None, done: int, total: int, label: str) -> None:
    if progress is not None:
        progress(Progress(done, total, label))
