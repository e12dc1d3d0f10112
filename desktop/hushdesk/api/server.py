"""The local OpenAI-compatible API: ``hushdesk serve`` (FastAPI on uvicorn).

Speaks the protocol other tools already use — ``GET /v1/models``, ``POST
/v1/chat/completions`` (streamed as server-sent events or not), ``POST /v1/embeddings`` —
over the same services as the app, so an answer through the API gets the app's rules:
the system prompt, the grounding in libraries, the answer held to its sources.

What no peer's API has, documented in the README: a request that names libraries (a
``hushdesk`` object with ``libraries``, or the model id ``library:NAME``) is answered from
them, and the response carries the citations (file, page, passage, score) in its
``hushdesk`` field, streamed too; ``POST /v1/hushdesk/search`` returns passages.

Guarded like the app: a bearer token on every request (compared in constant time), the
Host header checked against the addresses served (DNS rebinding), CORS off unless origins
are listed, bodies over ``MAX_BODY`` refused, a limit on the requests in at once (429
with Retry-After, as a status before any stream begins; the engine serves their model
calls in arrival order, taking turns with the window), a client that goes away stops its
generation; embeddings and searches take turns on a gate of their own (the embedding
model), never one thread each.
Nothing of a request is logged and nothing is saved.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import struct
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from hushdesk.api import work
from hushdesk.api.errors import ApiError, error
from hushdesk.api.gate import Gate
from hushdesk.api.hosts import host_allowed
from hushdesk.api.requests import ChatRequest, EmbeddingRequest, SearchRequest
from hushdesk.app import App
from hushdesk.errors import ContextOverflow, HushdeskError, ModelError
from hushdesk.services.conversations import (
    Answer,
    ChatSetup,
    Citation,
    Stopper,
    Thought,
)
from hushdesk.services.models import InstalledModel

log = logging.getLogger("hushdesk.api")

MAX_BODY = 4 * 1024 * 1024  # a long document pasted into a message still fits
RETRY_AFTER_S = 5
LIBRARY_PREFIX = "library:"
QUEUE_WAIT_HEADER = "X-Hushdesk-Queue-Wait-Ms"


@dataclass
class Settings:
    token: str
    hosts: Sequence[str]  # Host header values accepted from anyone (names, without ports)
    cors_origins: Sequence[str] = ()
    loopback: bool = True  # bound to this computer only (read from the bound socket)


def create(
    app: App, settings: Settings, gate: Gate | None = None, lookups: Gate | None = None
) -> FastAPI:
    """The ASGI app over ``app``'s services. ``gate``: how many generations may be in;
    ``lookups``: embeddings and searches (the embedding model), one at a time.

    No ``/docs`` or ``/redoc``: FastAPI's pages load Swagger's scripts from a public CDN
    into the API's origin. ``/openapi.json`` stays, behind the token like the rest."""
    gate = gate or Gate()
    lookups = lookups or Gate(serial=True)
    api = FastAPI(
        title="Hushdesk local API",
        description="OpenAI-compatible, on this computer; see the README for the extension.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    _guards(api, settings, lambda: app.matters.api_token(app.matter))
    _routes(api, app, gate, lookups)
    work.add_routes(api, app, gate)
    return api


def _guards(api: FastAPI, settings: Settings, matter_token: Callable[[], str | None]) -> None:
    """``matter_token``: the open matter's own token, if it has one (a token limited to
    a matter opens the API only while that matter is the one served)."""
    token = settings.token.encode()

    def accepted(given: bytes) -> bool:
        limited = matter_token()
        own = limited is not None and hmac.compare_digest(given, limited.encode())
        return hmac.compare_digest(given, token) | own

    @api.middleware("http")
    async def authorise(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if request.method == "POST" and length is None:  # a chunked body has no limit
            return error(411, "The request needs a Content-Length.", code="length_required")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return error(413, f"The request body is over {MAX_BODY // 1024 // 1024} MiB.")
        if request.method == "OPTIONS":
            return await call_next(request)
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not accepted(value.strip().encode()):
            return error(
                401,
                "A bearer token is required: Authorization: Bearer <token> (see `hushdesk "
                "serve --help`).",
                "authentication_error",
                "invalid_api_key",
            )
        return await call_next(request)

    if settings.cors_origins:
        api.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @api.middleware("http")  # added last: the outermost check
    async def trusted_host(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not host_allowed(request.scope, settings.hosts, loopback=settings.loopback):
            return error(400, "Invalid host header.", code="invalid_host")
        return await call_next(request)

    @api.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"Retry-After": str(RETRY_AFTER_S)} if exc.status == 429 else None
        return error(exc.status, exc.message, exc.kind, exc.code or None, headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error(400, "The request body is not valid JSON.", code="invalid_json")
        first = problems[0] if problems else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(400, f"{where or 'body'}: {first.get('msg', 'invalid')}.")

    @api.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @api.exception_handler(HushdeskError)
    async def hushdesk_error(_request: Request, exc: HushdeskError) -> JSONResponse:
        if isinstance(exc, ContextOverflow):
            return error(400, exc.message, code="context_length_exceeded")
        if isinstance(exc, ModelError):
            return error(500, exc.message, "server_error")
        return error(400, exc.message)


def _routes(api: FastAPI, app: App, gate: Gate, lookups: Gate) -> None:
    @api.get("/v1/models")
    async def models() -> dict[str, Any]:
        data = [
            {**_model_entry(m.id, "chat"), "context_length": _context(app, m)}
            for m in app.runtime.chat_models()
        ]
        data += [_model_entry(m.id, "embedding") for m in app.documents.embedding_models()]
        data += [_model_entry(LIBRARY_PREFIX + n, "library") for n in app.documents.names()]
        return {"object": "list", "data": data}

    @api.post("/v1/chat/completions", response_model=None)
    async def chat(body: ChatRequest) -> Response:
        setup = _setup(app, body)
        history = [(_role(m.role), m.history_text()) for m in body.messages]
        if history[-1][0] != "user":
            raise ApiError(400, "The last message must be the user's.", code="invalid_messages")
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        keep = bool(body.hushdesk and body.hushdesk.save)
        if body.stream:
            await gate.enter()  # a full queue is a 429 status, before the stream begins
            queue, stopper = _start_stream(app, gate, setup, history, keep)
            chunks = _stream_chunks(queue, stopper, body=body, completion_id=completion_id)
            return StreamingResponse(chunks, media_type="text/event-stream")
        stopper = Stopper()

        def work() -> tuple[Reply, float]:
            answer = app.conversations.answer(history, setup, keep=keep)
            stopper.begin(answer).collect()
            return _finished(answer), app.runtime.waited()

        result, waited = await gate.call(work, on_leave=stopper.stop)
        wait_ms = {QUEUE_WAIT_HEADER: f"{waited * 1000:.0f}"}
        return JSONResponse(_completion(body.model, completion_id, result), headers=wait_ms)

    @api.post("/v1/embeddings")
    async def embeddings(body: EmbeddingRequest) -> dict[str, Any]:
        texts = [body.input] if isinstance(body.input, str) else body.input
        if not texts or len(texts) > 2048:
            raise ApiError(400, "input: give 1 to 2048 texts.")
        model = _embedding_model(app, body.model)
        vectors = await lookups.call(lambda: app.documents.embed(texts, model), _stay)
        tokens = sum(len(t.split()) for t in texts)  # an estimate: words, not tokens
        return {
            "object": "list",
            "model": model,
            "data": [
                {"object": "embedding", "index": i, "embedding": _encoded(v, body.encoding_format)}
                for i, v in enumerate(vectors)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    @api.post("/v1/hushdesk/search")
    async def search(body: SearchRequest) -> dict[str, Any]:
        if body.library not in app.documents.names():
            raise ApiError(404, f"No library is called {body.library!r}.", code="library_not_found")
        library = app.documents.library(body.library, create=False)
        result = await lookups.call(
            lambda: app.documents.search(library, body.query, body.k), _stay
        )
        return {
            "object": "hushdesk.search",
            "abstain": result.abstain,
            "data": [
                {
                    "file": hit.file.name,
                    "page": hit.chunk.page,
                    "paginated": hit.file.paginated,
                    "where": hit.where,
                    "passage": hit.chunk.text,
                    "score": round(hit.score, 4),
                    "similarity": None if hit.similarity is None else round(hit.similarity, 4),
                }
                for hit in result.hits
            ],
        }


def _stay() -> None:
    """A lookup whose client went away ends anyway: it is short, and the gate waits."""


# -- chat ----------------------------------------------------------------------------------


def _role(role: str) -> str:
    return "system" if role == "developer" else role


def _context(app: App, model: InstalledModel) -> int | None:
    """The context the model is loaded with here (at most; a model's own limit may be
    lower), so another Hushdesk connected to this one knows it; a server's, if said."""
    if model.remote:
        return int(model.details.get("n_ctx") or 0) or None
    return app.runtime.load_spec(model).n_ctx


def _model_entry(model_id: str, kind: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "hushdesk", "kind": kind}


def _setup(app: App, body: ChatRequest) -> ChatSetup:
    """The request as the chat's own setup: model, sampling, libraries."""
    libraries = list(body.hushdesk.libraries) if body.hushdesk else []
    model_id: str | None = body.model
    if body.model.startswith(LIBRARY_PREFIX):
        libraries.append(body.model[len(LIBRARY_PREFIX) :])
        model_id = None  # the default chat model
    elif body.model in ("default", "hushdesk"):
        model_id = None
    else:
        work.check_model(app, body.model)
    known = set(app.documents.names())
    missing = [n for n in libraries if n not in known]
    if missing:
        raise ApiError(404, f"No library is called {missing[0]!r}.", code="library_not_found")
    sampling: dict[str, Any] = {}
    for name, value in (
        ("temperature", body.temperature),
        ("top_p", body.top_p),
        ("max_tokens", body.max_completion_tokens or body.max_tokens),
        ("seed", body.seed),
    ):
        if value is not None:
            sampling[name] = value
    if body.stop:
        sampling["stop"] = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop)
    thinking = (body.chat_template_kwargs or {}).get("enable_thinking")
    if isinstance(thinking, bool):
        sampling["thinking"] = thinking
    return ChatSetup(sampling=sampling, libraries=libraries, model_id=model_id)


@dataclass
class Reply:
    """What a completion response says of an answer."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    citations: list[dict[str, Any]]
    reasoning: str = ""


def _finished(answer: Answer) -> Reply:
    """The ended answer as the response gives it: its text as held to its sources,
    tokens, how it ended, and its citations."""
    stats = answer.stats
    return Reply(
        answer.text,
        stats.prompt_tokens,
        stats.completion_tokens,
        "length" if stats.finish_reason == "length" else "stop",
        [_citation(c) for c in answer.citations],
        answer.result.reasoning,
    )


def _citation(c: Citation) -> dict[str, Any]:
    return {"n": c.n, "file": c.file, "page": c.page, "paginated": c.paginated,
            "where": c.where, "passage": c.passage, "score": c.score}  # fmt: skip


def _completion(model: str, completion_id: str, answer: Reply) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": answer.text,
                    **({"reasoning_content": answer.reasoning} if answer.reasoning else {}),
                },
                "finish_reason": answer.finish_reason,
            }
        ],
        "usage": _usage(answer),
    }
    if answer.citations:
        body["hushdesk"] = {"citations": answer.citations}
    return body


def _usage(answer: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.prompt_tokens + answer.completion_tokens,
    }


def _start_stream(
    app: App, gate: Gate, setup: ChatSetup, history: list[tuple[str, str]], keep: bool
) -> tuple[asyncio.Queue[tuple[str, Any]], Stopper]:
    """The generation started on its own thread, once the route has entered the gate
    (before the response begins, so a full queue is a 429 status rather than a broken
    stream): its pieces arrive on the queue; the stopper ends it. It frees the gate when
    it ends, whether or not anyone reads the stream."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stopper = Stopper()

    def put(kind: str, value: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

    def work() -> None:
        try:
            answer = app.conversations.answer(history, setup, keep=keep)
            for piece in stopper.begin(answer).pieces():
                put("thought" if isinstance(piece, Thought) else "text", piece)
            put("end", _finished(answer))
        except BaseException as exc:  # reported to the client; the server goes on
            log.debug("API generation failed", exc_info=True)
            put("error", exc)

    gate.run(loop, work)
    return queue, stopper


async def _stream_chunks(
    queue: asyncio.Queue[tuple[str, Any]],
    stopper: Stopper,
    *,
    body: ChatRequest,
    completion_id: str,
) -> AsyncIterator[bytes]:
    """Server-sent events: the role, the text as it is written, then the end (with the
    answer as held to its sources and the citations, when libraries were asked)."""
    created = int(time.time())

    def data(payload: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return data({"id": completion_id, "object": "chat.completion.chunk", "created": created,
                     "model": body.model, "choices": [choice], **extra})  # fmt: skip

    ended = False
    try:
        yield event({"role": "assistant", "content": ""})
        while not ended:
            kind, value = await queue.get()
            if kind in ("text", "thought"):  # the thinking as llama-server and DeepSeek send it
                yield event({"content": value} if kind == "text" else {"reasoning_content": value})
                continue
            ended = True
            if kind == "error":
                message = value.message if isinstance(value, HushdeskError) else str(value)
                yield data({"error": {"message": message, "type": "server_error"}})
                break
            answer: Reply = value
            extra = {"hushdesk": {"text": answer.text, "citations": answer.citations}}
            yield event({}, answer.finish_reason, **(extra if answer.citations else {}))
            if body.stream_options and body.stream_options.include_usage:
                yield data({"id": completion_id, "object": "chat.completion.chunk",
                            "created": created, "model": body.model, "choices": [],
                            "usage": _usage(answer)})  # fmt: skip
        yield b"data: [DONE]\n\n"
    finally:
        if not ended:  # the client went away: stop its generation (the gate waits for it)
            stopper.stop()


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    """As floats, or (what the openai client asks for) base64 of little-endian float32."""
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


def _embedding_model(app: App, requested: str | None) -> str:
    installed = [m.id for m in app.documents.embedding_models()]
    if not installed:
        raise ApiError(500, "No embedding model is installed.", "server_error")
    if requested is None or requested in ("default", "hushdesk"):
        return installed[0]
    if requested not in installed:
        raise ApiError(404, f"The embedding model {requested!r} does not exist here.",
                       code="model_not_found")  # fmt: skip
    return requested
