"""The one contract for long work: report ``Progress``, honour a ``CancelToken``."""

from __future__ import annotations

import threading
import time
from collections import deque
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
    """Turns a stream of (done, total) updates into ``Progress`` with an ETA.

    The rate is the work done over the last ``window_s`` seconds (or since the start),
    so a pause in the middle or a slow first step does not skew it for long. This is
    the one ETA calculator: indexing, summaries, drafts and downloads all use it.
    """

    def __init__(
        self,
        total: float | None,
        label: str = "",
        *,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self.done = 0.0
        self._window_s = window_s
        self._clock = clock
        self._samples: deque[tuple[float, float]] = deque([(clock(), 0.0)])

    def update(self, done: float, label: str | None = None) -> Progress:
        now = self._clock()
        self.done = done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window_s:
            self._samples.popleft()
        if label is not None:
            self.label = label
        return Progress(done=done, total=self.total, label=self.label, eta_s=self.eta())

    @property
    def rate(self) -> float:
        """Work per second over the window (0 until there is something to go on)."""
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 and d1 > d0 else 0.0

    def eta(self) -> float | None:
        rate = self.rate
        if self.total is None or rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / rate)


class CancelToken:
    """A request to stop, checked by the job at points where stopping is safe.

    One concept for every long job: ``cancel()`` stops it; ``pause()`` stops it the
    same way but says the work done so far is kept, so running the job again resumes
    it. Either way the job raises ``Cancelled``; ``paused`` tells which was asked.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self.paused = False

    def cancel(self) -> None:
        self.paused = False  # a cancel after a pause is a cancel
        self._event.set()

    def pause(self) -> None:
        self.paused = True
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


TextCallback = Callable[[str], None]
