"""The API's requests for the model: one at a time, in arrival order, a limit on how
many wait (429 past it). Each then takes its turn on the model with the app's other
users (``ModelRuntime.turns``). A second gate of the same kind bounds embeddings and
searches (the embedding model), which would otherwise each take a thread of a pool."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from hushdesk.api.errors import ApiError

QUEUE_LIMIT = 16  # requests waiting for the model; more get 429
T = TypeVar("T")


class Gate:
    """Generations one at a time, in arrival order; past ``limit`` waiting, a request is
    turned away. The generation's own thread lets the next one in when it has really
    ended (a client that went away does not free the model early). Non-streamed answers
    say how long they queued in ``X-Hushdesk-Queue-Wait-Ms``."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.limit = limit
        self._lock = asyncio.Lock()  # asyncio's lock wakes its waiters first in, first out
        self.waiting = 0

    async def enter(self) -> float:
        """Wait for the model's turn; how long it took (seconds)."""
        if self.waiting >= self.limit:
            raise ApiError(429, "Too many requests are waiting for the model; retry soon.",
                           "rate_limit_error", "queue_full")  # fmt: skip
        self.waiting += 1
        started = time.monotonic()
        try:
            await self._lock.acquire()
        finally:
            self.waiting -= 1
        return time.monotonic() - started

    def run(self, loop: asyncio.AbstractEventLoop, work: Callable[[], None]) -> None:
        """``work`` on a thread of its own; the gate opens again when it returns."""

        def body() -> None:
            try:
                work()
            finally:
                _soon(loop, self._lock.release)

        threading.Thread(target=body, name="hushdesk-api-generation", daemon=True).start()

    async def call(self, work: Callable[[], T], on_leave: Callable[[], None]) -> tuple[T, float]:
        """``work``'s result once it had its turn, and how long it waited for it; a client
        that goes away meanwhile calls ``on_leave`` (stop the work)."""
        waited = await self.enter()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()

        def settle(value: Any, error: BaseException | None) -> None:
            if done.done():  # the request was cancelled meanwhile
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(value)

        def body() -> None:
            try:
                value = work()
            except BaseException as exc:  # handed to the request, which reports it
                _soon(loop, settle, None, exc)
            else:
                _soon(loop, settle, value, None)

        self.run(loop, body)
        try:
            return await done, waited
        except asyncio.CancelledError:
            on_leave()
            raise


def _soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    """``callback`` on the server's loop; a loop already closed (the server stopped
    while the work ran) has no one left waiting for it."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)
