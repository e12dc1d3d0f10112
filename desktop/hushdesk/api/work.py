"""The API's longer work, as small REST resources over the app's services:

- ``POST /v1/hushdesk/summaries`` starts a summary of pasted text or of a library's
  document and answers 202 with its id; ``GET /v1/hushdesk/summaries/{id}`` gives its
  status, progress (percent, time left) and, once done, the summary (Markdown and its
  statements with pages); ``DELETE`` stops it if it runs and deletes it. Summaries are
  kept with the others (the Summarize page), resumable, until deleted.
- ``POST /v1/hushdesk/drafts`` writes an email draft (points, or a thread to answer,
  grounded in libraries when named) with what to check before sending; it is saved with
  the user's drafts only when the request says ``"save": true``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hushdesk.api.errors import ApiError
from hushdesk.api.gate import Gate
from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.jobs import CancelToken, Progress

log = logging.getLogger("hushdesk.api")

RUNNING_LIMIT = 2  # summaries the API runs at once; more get 429
MAX_ID = 2**63 - 1  # SQLite's largest row id: a larger one is no summary (not a 500)
CANCEL_WAIT_S = 30.0


class SummaryRequest(BaseModel):
    text: str | None = Field(default=None, min_length=1)
    name: str = "Pasted text"
    library: str | None = None
    document: str | None = None  # a library document's name, path or id
    mode: str = "brief"
    length: str = "medium"
    language: str | None = None
    instruction: str = ""
    model: str | None = None


class DraftRequest(BaseModel):
    kind: str = "new"
    points: str = ""
    thread: str = ""
    tone: str = "formal"
    length: str = "medium"
    language: str | None = None
    recipient: str = ""
    role: str = ""
    libraries: list[str] = Field(default_factory=list)
    model: str | None = None
    save: bool = False


@dataclass
class _Running:
    cancel: CancelToken = field(default_factory=CancelToken)
    progress: Progress | None = None
    ended: threading.Event = field(default_factory=threading.Event)


class SummaryJobs:
    """Summaries started through the API, each on a thread of its own; the model calls
    inside take turns with everyone else's."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._running: dict[int, _Running] = {}
        self._lock = threading.Lock()

    def start(self, body: SummaryRequest) -> int:
        """The new summary's id, once it is recorded (errors in the request raised)."""
        from hushdesk.services.summaries import Options

        with self._lock:
            if len(self._running) >= RUNNING_LIMIT:
                raise ApiError(429, f"{RUNNING_LIMIT} summaries are running already; retry "
                               "when one ends.", "rate_limit_error", "too_many_jobs")  # fmt: skip
        summaries = self.app.summaries
        options = Options(body.mode, body.length, body.language, body.instruction)
        options.check()
        check_model(self.app, body.model)
        if body.text is not None:
            source = summaries.from_text(body.text, body.name)
        elif body.library and body.document:
            source = summaries.find_in_library(body.library, body.document)
        else:
            raise ApiError(400, "Give the text to summarize, or a library and a document.")
        running = _Running()
        began = threading.Event()
        ids: list[int] = []
        failure: list[BaseException] = []

        def on_start(summary_id: int) -> None:
            ids.append(summary_id)
            with self._lock:
                self._running[summary_id] = running
            began.set()

        def progress(value: Progress) -> None:
            running.progress = value

        def work() -> None:
            try:
                summaries.run(
                    source,
                    options,
                    model=body.model,
                    progress=progress,
                    cancel=running.cancel,
                    on_start=on_start,
                )
            except BaseException as exc:  # kept with the summary (its status and error)
                log.debug("API summary ended early", exc_info=True)
                failure.append(exc)
            finally:
                with self._lock:
                    for summary_id in ids:
                        self._running.pop(summary_id, None)
                running.ended.set()
                began.set()

        threading.Thread(target=work, name="hushdesk-api-summary", daemon=True).start()
        began.wait()
        if not ids:
            raise failure[0] if failure else HushdeskError("The summary could not start.")
        return ids[0]

    def describe(self, summary_id: int) -> dict[str, Any]:
        saved = self.app.summaries.get(summary_id) if _valid(summary_id) else None
        if saved is None:
            raise ApiError(404, f"No summary has the id {summary_id}.", code="summary_not_found")
        running = self._running.get(summary_id)
        progress = running.progress if running is not None else None
        body: dict[str, Any] = {
            "id": saved.id,
            "object": "hushdesk.summary",
            "status": saved.status,
            "name": saved.name,
            "mode": saved.options.mode,
            "length": saved.options.length,
            "model": saved.model,
            "error": saved.error,
            "progress": None
            if progress is None
            else {"percent": progress.percent, "eta_s": progress.eta_s, "stage": progress.label},
        }
        if saved.summary is not None:
            body["summary"] = {
                "markdown": saved.markdown(),
                "paginated": saved.paginated,
                "statements": [
                    {
                        "text": s.text,
                        "first_page": s.first,
                        "last_page": s.last,
                        "heading": s.heading,
                        "quote": s.quote,
                    }
                    for s in saved.summary.statements
                ],
            }
        return body

    def delete(self, summary_id: int) -> None:
        """Stop it if it runs (waiting for it to end), then delete it."""
        if not _valid(summary_id) or self.app.summaries.get(summary_id) is None:
            raise ApiError(404, f"No summary has the id {summary_id}.", code="summary_not_found")
        running = self._running.get(summary_id)
        if running is not None:
            running.cancel.cancel()
            running.ended.wait(CANCEL_WAIT_S)
        self.app.summaries.delete(summary_id)


def add_routes(api: FastAPI, app: App, gate: Gate) -> None:
    jobs = SummaryJobs(app)

    @api.post("/v1/hushdesk/summaries", status_code=202)
    async def start_summary(body: SummaryRequest) -> JSONResponse:
        summary_id = await asyncio.to_thread(jobs.start, body)
        described = await asyncio.to_thread(jobs.describe, summary_id)
        location = {"Location": f"/v1/hushdesk/summaries/{summary_id}"}
        return JSONResponse(described, status_code=202, headers=location)

    @api.get("/v1/hushdesk/summaries/{summary_id}")
    async def summary(summary_id: int) -> dict[str, Any]:
        return await asyncio.to_thread(jobs.describe, summary_id)

    @api.delete("/v1/hushdesk/summaries/{summary_id}")
    async def delete_summary(summary_id: int) -> dict[str, Any]:
        await asyncio.to_thread(jobs.delete, summary_id)
        return {"id": summary_id, "object": "hushdesk.summary.deleted", "deleted": True}

    @api.post("/v1/hushdesk/drafts")
    async def draft(body: DraftRequest) -> dict[str, Any]:
        from hushdesk.services.drafts import Request, review

        request = Request(
            kind=body.kind, points=body.points, thread=body.thread, tone=body.tone,
            length=body.length, language=body.language, recipient=body.recipient,
            role=body.role, libraries=tuple(body.libraries),
        )  # fmt: skip
        request.check()
        check_model(app, body.model)
        cancel = CancelToken()
        made = await gate.call(
            lambda: app.drafts.draft(request, model=body.model, cancel=cancel, save=body.save),
            on_leave=cancel.cancel,
        )
        return {
            "id": made.id,
            "object": "hushdesk.draft",
            "subject": made.subject,
            "body": made.clean_body(),
            "text": made.text(),
            "check": review(made),
            "citations": [
                {k: c.to_dict()[k] for k in ("n", "file", "page", "paginated", "passage", "score")}
                | {"where": c.where}
                for c in made.citations
            ],
            "model": made.model,
            "model_struggled": made.model_struggled,
        }


def _valid(summary_id: int) -> bool:
    return 1 <= summary_id <= MAX_ID


def check_model(app: App, model: str | None) -> None:
    """An installed chat model (by id) or none: never a path to a file on this computer."""
    if model is not None and model not in {m.id for m in app.runtime.chat_models()}:
        raise ApiError(404, f"The model {model!r} does not exist here; GET /v1/models lists "
                       "the installed ones.", code="model_not_found")  # fmt: skip
