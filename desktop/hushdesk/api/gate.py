"""How many API requests may be in at once: past the limit, a request is turned away
(429) before anything starts. The model orders its calls itself (``engine.shared``), in
arrival order with the app's other users, so generations pass the gate side by side.
The embedding model has no such owner: its gate (``serial``) also lets one embedding or
search in at a time, in arrival order, so that they do not each take a thread of a pool."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from hushdesk.api.errors import ApiError

QUEUE_LIMIT = 16  # requests waiting or being answered; more get 429
T = TypeVar("T")


class Gate:
    """At most ``limit`` requests in; ``serial``: one at a time, in arrival order. A
    request's own thread lets the next one in when its work has really ended (a client
    that went away does not free its place early)."""

    def __init__(self, limit: int = QUEUE_LIMIT, *, serial: bool = False) -> None:
        self.limit = limit
        self.inside = 0
        # asyncio's lock wakes its waiters first in, first out
        self._lock = asyncio.Lock() if serial else None

    async def enter(self) -> None:
        """Come in (the lock's turn, when serial), or 429 when too many are in."""
        if self.inside >= self.limit:
            raise ApiError(429, "Too many requests are waiting for the model; retry soon.",
                           "rate_limit_error", "queue_full")  # fmt: skip
        self.inside += 1
        if self._lock is not None:
            try:
                await self._lock.acquire()
            except BaseException:
                self.inside -= 1
                raise

    def _leave(self) -> None:
        self.inside -= 1
        if self._lock is not None:
            self._lock.release()

    def run(self, loop: asyncio.AbstractEventLoop, work: Callable[[], None]) -> None:
        """``work`` on a thread of its own; its place is free again when it returns."""

        def body() -> None:
            try:
                work()
            finally:
                _soon(loop, self._leave)

        threading.Thread(target=body, name="hushdesk-api-work", daemon=True).start()

    async def call(self, work: Callable[[], T], on_leave: Callable[[], None]) -> T:
        """``work``'s result, run once it is in; a client that goes away meanwhile calls
        ``on_leave`` (stop the work)."""
        await self.enter()
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
            return await done
        except asyncio.CancelledError:
            on_leave()
            raise


def _soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    """``callback`` on the server's loop; a loop already closed (the server stopped
    while the work ran) has no one left waiting for it."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)
