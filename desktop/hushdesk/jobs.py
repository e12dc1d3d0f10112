"""The one contract for long work: report ``Progress``, honour a ``CancelToken``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hushdesk.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    done: float
    total: float | None
    label: str = ""
    eta_s: float | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))

    @property
    def percent(self) -> int | None:
        fraction = self.fraction
        return None if fraction is None else int(fraction * 100)  # 100% only when done

    def describe(self) -> str:
        parts = [self.label] if self.label else []
        if self.percent is not None:
            parts.append(f"{self.percent}%")
        if self.eta_s is not None:
            parts.append(f"{format_eta(self.eta_s)} left")
        return " · ".join(parts)


ProgressCallback = Callable[[Progress], None]


def format_eta(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


class ProgressTracker:
    """Turns a stream of (done, total) updates into ``Progress`` with a smoothed ETA."""

    def __init__(
        self,
        total: float | None,
        label: str = "",
        *,
        smoothing: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self._smoothing = smoothing
        self._clock = clock
        self._last_time = clock()
        self._last_done = 0.0
        self._rate: float | None = None

    def update(self, done: float, label: str | None = None) -> Progress:
        now = self._clock()
        elapsed = now - self._last_time
        if elapsed > 0 and done > self._last_done:
            rate = (done - self._last_done) / elapsed
            if self._rate is None:
                self._rate = rate
            else:
                self._rate = self._smoothing * rate + (1 - self._smoothing) * self._rate
            self._last_time, self._last_done = now, done
        if label is not None:
            self.label = label
        eta = None
        if self.total is not None and self._rate:
            eta = max(0.0, (self.total - done) / self._rate)
        return Progress(done=done, total=self.total, label=self.label, eta_s=eta)


class CancelToken:
    """A request to stop, checked by the job at points where stopping is safe."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()
