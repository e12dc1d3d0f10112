"""How the benchmarks summarise repeated measurements: a median with its spread, p95."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def spread(values: Sequence[float], digits: int = 1) -> str:
    """ "median of 3, spread 5.5-5.9": how far apart the runs were."""
    return f"median of {len(values)}, spread {min(values):.{digits}f}-{max(values):.{digits}f}"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
