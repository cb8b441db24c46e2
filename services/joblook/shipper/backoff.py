"""Exponential backoff with jitter between failed attempts to reach ``/sync``."""

from __future__ import annotations

import random


class Backoff:
    """Delays doubling from ``first`` up to ``cap`` seconds, each randomly 50-100 % of its step so
    that shippers restarted together do not retry in lockstep."""

    def __init__(self, first: float = 0.05, cap: float = 5.0) -> None:
        self.first = first
        self.cap = cap
        self.failures = 0

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait before the next attempt."""
        step = min(self.cap, self.first * 2 ** min(self.failures, 32))
        self.failures += 1
        return step * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0
