from __future__ import annotations

import pytest

from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken, Progress, ProgressTracker, format_eta


def test_progress_percent_and_description() -> None:
    p = Progress(done=25, total=200, label="Indexing", eta_s=75)
    assert p.percent == 12
    assert p.describe() == "Indexing · 12% · 1m 15s left"
    assert Progress(done=3, total=None).percent is None


def test_eta_formatting() -> None:
    assert format_eta(5.4) == "5s"
    assert format_eta(3600 + 120) == "1h 02m"


def test_tracker_estimates_time_left_from_the_rate() -> None:
    now = [0.0]
    tracker = ProgressTracker(total=100, label="work", clock=lambda: now[0])
    now[0] = 10.0
    p = tracker.update(10)
    assert p.eta_s == pytest.approx(90.0)
    now[0] = 20.0
    p = tracker.update(20)
    assert p.eta_s == pytest.approx(80.0)
    assert p.fraction == pytest.approx(0.2)


def test_cancel_token() -> None:
    token = CancelToken()
    token.raise_if_cancelled()
    token.cancel()
    assert token.cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()
