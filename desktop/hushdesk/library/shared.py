"""A library shared through a Chroma server (``chroma run``, or a firm's own deployment).

The server holds what colleagues need, one record per passage: its text, the file's
content hash, name, title, kind and page count, the passage's page and character
offsets, its vector, and (on the collection) the embedding model's name. One machine
ingests and publishes; every colleague's Hushdesk pulls what is new into its own
encrypted store, where search, cited answers and page links work as for a local library
(and go on working, from that copy, when the server cannot be reached).

Every call goes through the network guard's ``reach`` for that server only, with
timeouts and a cap on each answer's size; failures become ``SharedUnreachable`` with a
clear message. Records are read a page at a time and checked against a schema
(``shared_records``) inside that guarded call: one that fails it is skipped and
counted, never used.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import numpy as np

from hushdesk import privacy
from hushdesk.errors import DocumentError
from hushdesk.library.chunker import Chunk
from hushdesk.library.shared_records import (
    MAX_FILE_CHARS,
    MAX_PASSAGES,
    Passage,
    SharedFile,
    bounded,
    file_of,
    passage_of,
    plain_text,
)

__all__ = [
    "ModelMismatch",
    "Share",
    "ShareAddress",
    "SharedContent",
    "SharedFile",
    "SharedUnreachable",
    "collection_name",
    "page_texts",
]

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

log = logging.getLogger("hushdesk.library.shared")
T = TypeVar("T")
MODEL_KEY = "hushdesk_embedding_model"
BATCH = 256
PAGE = 256  # records a read asks for at once
MAX_FILES = 100_000  # files of one shared library read from the server
MAX_TEXT = 2 * MAX_FILE_CHARS  # a file's passages together (they overlap a little)
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # one answer of the server's (a page of records)
TIMEOUT_S = 15.0


class SharedUnreachable(DocumentError):
    """The shared library's server could not be reached (or refused us)."""


class ModelMismatch(DocumentError):
    """The shared library was indexed with another embedding model."""


@dataclass(frozen=True)
class ShareAddress:
    url: str  # http(s)://host:port
    token: str = ""
    ca_file: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 8000)

    @property
    def ssl(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    def check(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DocumentError(
                f"{self.url!r} is not a Chroma server address; write it as "
                "https://host:port (or http:// on this computer or a trusted network)."
            )


@dataclass(frozen=True)
class SharedContent:
    file: SharedFile
    chunks: list[Chunk]
    vectors: np.ndarray
    records: int = 0  # records the server had of the file, the skipped ones included


def collection_name(library: str) -> str:
    """Chroma's rules (3–512 of [a-zA-Z0-9._-], alphanumeric ends); the same name on every
    computer for the same library name."""
    slug = re.sub(r"[^a-z0-9]+", "-", library.lower()).strip("-")[:40] or "library"
    digest = hashlib.sha256(library.encode()).hexdigest()[:8]
    return f"hushdesk-{slug}-{digest}"


class Share:
    """One shared library on one server."""

    def __init__(self, address: ShareAddress, library: str) -> None:
        address.check()
        self.address, self.library = address, library
        self.name = collection_name(library)
        self._client: Any = None
        self.skipped = 0  # records that did not hold to the schema, since made

    # -- the server -----------------------------------------------------------------------

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        a = self.address
        with privacy.reach(a.host, a.port):
            try:
                yield
            except DocumentError:
                raise
            except Exception as exc:  # the client's own errors: HTTP, JSON, timeouts
                raise SharedUnreachable(
                    f"The shared library {self.library!r} on {a.url} could not be used: "
                    f"{_reason(exc)}. Your own copy of it still works; local libraries "
                    "are not affected."
                ) from exc

    def _call(self, work: Callable[[], T]) -> T:
        with self._reaching():
            return work()

    def _connect(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            a = self.address
            headers = {"Authorization": f"Bearer {a.token}"} if a.token else {}
            self._call(lambda: _heartbeat(a, headers))  # Chroma's client has no timeout
            settings = Settings(
                anonymized_telemetry=False,
                chroma_server_ssl_verify=a.ca_file or True,
            )
            client = self._call(
                lambda: chromadb.HttpClient(
                    host=a.host, port=a.port, ssl=a.ssl, headers=headers, settings=settings
                )
            )
            _limit_waits(client, MAX_ANSWER_BYTES)
            self._client = client
        return self._client

    def _collection(self, model: str | None = None) -> Collection | None:
        """The collection; made (for ``model``) when it does not exist and one is given."""
        client = self._connect()

        def find() -> Collection | None:
            existing = {c.name for c in client.list_collections()}
            if self.name in existing:
                found: Collection = client.get_collection(self.name, embedding_function=None)
                return found
            if model is None:
                return None
            made: Collection = client.create_collection(
                self.name,
                metadata={MODEL_KEY: model, "hushdesk_library": self.library},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            return made

        return self._call(find)

    def embedding_model(self) -> str | None:
        """The model the shared library was indexed with (None: it does not exist yet)."""
        collection = self._collection()
        if collection is None:
            return None
        return _model_of(collection) or None

    def ensure(self, model: str) -> None:
        """The shared library exists, for ``model``; another model is refused."""
        collection = self._collection(model)
        assert collection is not None
        theirs = _model_of(collection)
        if theirs and theirs != model:
            raise ModelMismatch(
                f"The shared library {self.library!r} was indexed with the embedding model "
                f"{theirs}; this one uses {model}. Passages of one cannot be searched with "
                "the other."
            )

    # -- files ----------------------------------------------------------------------------

    def files(self) -> dict[str, SharedFile]:
        """The files on the server, by content hash (records that do not hold to the
        schema are skipped and counted)."""
        collection = self._collection()
        if collection is None:
            return {}

        def read() -> dict[str, SharedFile]:
            files: dict[str, SharedFile] = {}
            for page in self._pages(collection, {"n": 0}, ["metadatas"], MAX_FILES):
                for meta in page.get("metadatas") or []:
                    shared = file_of(meta)
                    if shared is None:
                        self._skip("a file")
                    else:
                        files[shared.sha256] = shared
            return files

        return self._call(read)

    def _pages(
        self, collection: Collection, where: dict[str, Any], include: list[str], most: int
    ) -> Iterator[dict[str, Any]]:
        """The records matching ``where``, a page (``PAGE`` records) at a time, ``most``
        in all: a server cannot make one read as large as it likes. A page the client
        cannot even parse is read again a record at a time; a record that still fails
        comes as one whose columns are all None (it fails the schema)."""
        for offset in range(0, most, PAGE):
            size = min(PAGE, most - offset)
            try:
                page = _get(collection, where, include, size, offset)
            except (ValueError, TypeError):  # a record Chroma's own client chokes on
                for at in range(offset, offset + size):
                    try:
                        one = _get(collection, where, include, 1, at)
                    except (ValueError, TypeError):
                        one = {"ids": [None], **{key: [None] for key in include}}
                    if not _column(one, "ids"):
                        return
                    yield one
                continue
            yield page
            if len(_column(page, "ids")) < size:
                return

    def _skip(self, what: str, count: int = 1) -> None:
        """A record left out; its content is not logged (it is a colleague's text)."""
        self.skipped += count
        log.warning("a shared library's server sent %d record(s) of %s that do not hold "
                    "to the schema; skipped", count, what)  # fmt: skip

    def publish(
        self, file: SharedFile, chunks: Sequence[Chunk], vectors: np.ndarray, model: str
    ) -> None:
        """One file's passages and vectors (replacing what the server had of it)."""
        self.ensure(model)
        collection = self._collection()
        assert collection is not None
        ids = [f"{file.sha256}:{n}" for n in range(len(chunks))]
        metas = [
            {
                "sha": file.sha256,
                "name": file.name,
                "title": file.title,
                "kind": file.kind,
                "pages": file.pages,
                "paginated": file.paginated,
                "count": len(chunks),
                "n": n,
                "page": c.page,
                "start": c.start,
                "end": c.end,
                "label": c.label,
            }
            for n, c in enumerate(chunks)
        ]
        self._call(lambda: collection.delete(where={"sha": file.sha256}))
        # The first batch holds the passage that lists the file (n = 0): it goes last, so
        # a colleague never sees a file whose passages are not all there yet.
        starts = list(range(0, len(ids), BATCH))
        for start in starts[1:] + starts[:1]:
            batch = slice(start, start + BATCH)
            self._add(collection, ids[batch], vectors[batch], chunks[batch], metas[batch])

    def _add(
        self,
        collection: Collection,
        ids: list[str],
        vectors: np.ndarray,
        chunks: Sequence[Chunk],
        metas: list[dict[str, Any]],
    ) -> None:
        def add() -> None:
            collection.add(
                ids=ids,
                embeddings=np.asarray(vectors, dtype=np.float32),
                documents=[c.text for c in chunks],
                metadatas=metas,  # type: ignore[arg-type]
            )

        self._call(add)

    def content(self, sha256: str, dimension: int) -> SharedContent | None:
        """One file's passages and vectors (of ``dimension``), checked: records that do
        not hold to the schema are skipped and counted (None: none held). ``records``
        says how many the server had, so a file still being sent can be told apart."""
        collection = self._collection()
        if collection is None:
            raise SharedUnreachable(f"The shared library {self.library!r} no longer exists.")

        def read() -> SharedContent | None:
            passages: list[Passage] = []
            records = chars = 0
            include = ["documents", "metadatas", "embeddings"]
            for page in self._pages(collection, {"sha": sha256}, include, MAX_PASSAGES + 1):
                metas = _column(page, "metadatas")
                texts, vectors = _column(page, "documents"), _column(page, "embeddings")
                if not len(metas) == len(texts) == len(vectors):
                    raise DocumentError(f"The server of {self.library!r} sent broken records.")
                records += len(metas)
                for meta, text, vector in zip(metas, texts, vectors, strict=True):
                    passage = passage_of(meta, text, vector, sha256=sha256, dimension=dimension)
                    if passage is not None and chars + len(passage.chunk.text) <= MAX_TEXT:
                        passages.append(passage)
                        chars += len(passage.chunk.text)
            if not records:
                raise SharedUnreachable(f"A file of {self.library!r} left the server meanwhile.")
            kept = bounded(passages)
            if len(kept) < records:
                self._skip("a passage", records - len(kept))
            if not kept:
                return None
            matrix = np.stack([p.vector for p in kept]).astype(np.float32)
            return SharedContent(kept[0].file, [p.chunk for p in kept], matrix, records)

        return self._call(read)

    def remove(self, sha256: str) -> None:
        collection = self._collection()
        if collection is not None:
            self._call(lambda: collection.delete(where={"sha": sha256}))


def _heartbeat(address: ShareAddress, headers: dict[str, str]) -> None:
    """The server answers at all, within the timeout (the client's first requests, made
    while it is built, would wait for ever)."""
    import ssl

    import httpx

    verify: Any = ssl.create_default_context(cafile=address.ca_file) if address.ca_file else True
    with httpx.stream(
        "GET",
        f"{address.url}/api/v2/heartbeat",
        headers=headers,
        verify=verify,
        trust_env=False,
        timeout=httpx.Timeout(TIMEOUT_S, connect=10.0),
    ) as reply:  # its status is all that counts: the body is not read
        reply.raise_for_status()


def _limit_waits(client: Any, cap: int) -> None:
    """Chroma's client waits for ever and reads answers of any size by default; ours
    gives up after ``TIMEOUT_S`` and stops reading an answer past ``cap`` bytes."""
    import httpx

    from hushdesk.library.capped_http import cap_answers

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(TIMEOUT_S, connect=10.0)
        cap_answers(session, cap, SharedUnreachable)
    else:  # a client version that keeps it elsewhere: say so rather than hang silently
        log.warning("could not set a timeout on the Chroma client")


def _model_of(collection: Collection) -> str:
    """The collection's embedding model, as a name (a server's text, so bounded)."""
    metadata = collection.metadata if isinstance(collection.metadata, dict) else {}
    return plain_text(metadata.get(MODEL_KEY), 200)


def _get(
    collection: Collection, where: dict[str, Any], include: list[str], limit: int, offset: int
) -> dict[str, Any]:
    page = collection.get(
        where=where,
        include=include,  # type: ignore[arg-type]
        limit=limit,
        offset=offset,
    )
    if not isinstance(page, dict):
        raise DocumentError("A shared library's server sent records of the wrong shape.")
    # a server that sends more than it was asked for is read no further than that
    return {key: _column(page, key)[:limit] for key in ("ids", *include)}


def _column(page: Mapping[str, object], key: str) -> list[Any]:
    """One of a page's columns as a list (Chroma gives vectors as an array)."""
    column = page.get(key)
    if column is None:
        return []
    if isinstance(column, list | tuple | np.ndarray):
        return list(column)
    raise DocumentError("A shared library's server sent records of the wrong shape.")


def _reason(exc: Exception) -> str:
    """What went wrong, in words a user can act on where we can tell."""
    import ssl

    import httpx

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
    if status in (401, 403):
        return f"the server refused the token ({status}): check the token file"
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc.__cause__, ssl.SSLError):
        return (
            "its certificate is not trusted by this computer; if your firm uses its own "
            "certificate authority, add the library again with its certificate (--ca-file)"
        )
    if isinstance(exc, httpx.TransportError):
        return f"it could not be reached ({text[:160]})"
    return text[:200]


def page_texts(chunks: Sequence[Chunk]) -> dict[int, str]:
    """Each page's text rebuilt from its passages (which cover it from the first word to
    the last, at their offsets), so citations' offsets and page views hold. The
    passages are checked first (``shared_records.bounded``): gaps are short."""
    by_page: dict[int, list[Chunk]] = {}
    for c in chunks:
        by_page.setdefault(c.page, []).append(c)
    pages = {}
    for page, on_page in by_page.items():
        parts: list[str] = []
        length = 0
        for c in sorted(on_page, key=lambda c: c.start):
            if c.start >= length:
                parts += [" " * (c.start - length), c.text]
            elif c.end > length:
                parts.append(c.text[length - c.start :])
            length = max(length, c.end)
        pages[page] = "".join(parts)
    return pages
