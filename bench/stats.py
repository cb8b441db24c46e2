"""Summaries of latency samples (seconds in, milliseconds out)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of already sorted values (NaN for none)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_ms(samples: Sequence[float]) -> dict[str, float | int]:
    """p50, p99 and max of latencies given in seconds, as milliseconds, and the sample count."""
    ordered = sorted(samples)
    return {
        "samples": len(ordered),
        "p50_ms": round(percentile(ordered, 50) * 1000, 2),
        "p99_ms": round(percentile(ordered, 99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else math.nan,
    }


def rate(count: int, seconds: float) -> float:
    """Items per second, rounded; 0 when no time passed (nothing was measured)."""
    return round(count / seconds, 1) if seconds > 0 else 0.0
