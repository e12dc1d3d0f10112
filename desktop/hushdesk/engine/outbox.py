"""What leaves the engine child as text: chunks coalesced for a machine with few cores,
and stop strings held back until they are known not to be one."""

from __future__ import annotations

import time
from collections.abc import Sequence
from multiprocessing.connection import Connection


class Outbox:
    """Coalesces text chunks so the app wakes up ~40 times a second, not once per token.

    On a machine with few cores every wake-up of the app process takes time from the
    decode threads. The first chunk goes out at once, so time-to-first-token is not
    delayed.
    """

    INTERVAL_S = 0.025

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._parts: list[str] = []
        self._last = 0.0

    def put(self, text: str) -> None:
        if not text:
            return
        self._parts.append(text)
        now = time.perf_counter()
        if now - self._last >= self.INTERVAL_S:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        if self._parts:
            self._conn.send(("chunk", "".join(self._parts)))
            self._parts.clear()
            self._last = time.perf_counter() if now is None else now


class StopStrings:
    """Holds back text that might be the start of a stop string, so none is ever shown."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        if not self._stops:
            return text, False
        buffer = self._pending + text
        for stop_text in self._stops:
            index = buffer.find(stop_text)
            if index >= 0:
                self._pending = ""
                return buffer[:index], True
        hold = 0
        for stop_text in self._stops:
            for size in range(min(len(stop_text) - 1, len(buffer)), 0, -1):
                if buffer.endswith(stop_text[:size]):
                    hold = max(hold, size)
                    break
        self._pending = buffer[len(buffer) - hold :] if hold else ""
        return buffer[: len(buffer) - hold], False

    def flush(self, text: str) -> str:
        out, self._pending = self._pending + text, ""
        return out
