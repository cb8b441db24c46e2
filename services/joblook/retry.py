"""Waiting between tries, for everything joblook retries: one policy type, one place.

Each caller names its own :class:`Backoff` beside its code (the shipper's, the live feed's, the
webhook's, the task claim's, the Fluentd log handler's) and keeps its own way of waiting: a sleep,
a wait that ``stop()`` cuts short, or a due time kept in Redis.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """The wait after each failure in a row: ``first``, doubling up to ``cap``.

    ``jitter``: each wait is a random 50-100 % of its step, so processes restarted together do not
    retry in lockstep. ``tries``: give up once this many tries have failed (None: never).
    """

    first: float
    cap: float
    jitter: bool = False
    tries: int | None = None

    @classmethod
    def fixed(cls, seconds: float, tries: int | None = None) -> Backoff:
        """The same wait after every failure."""
        return cls(seconds, seconds, tries=tries)

    def delay(self, failures: int) -> float | None:
        """Seconds to wait after the ``failures``-th failure in a row (1: the first); None: give
        up, no more tries."""
        if self.tries is not None and failures >= self.tries:
            return None
        return self.wait(failures)

    def wait(self, failures: int) -> float:
        """:meth:`delay`, whatever ``tries`` says."""
        step = min(self.cap, self.first * 2 ** min(failures - 1, 32))
        return step * random.uniform(0.5, 1.0) if self.jitter else step


class Retrying:
    """Counts the failures in a row of something retried under ``backoff``."""

    def __init__(self, backoff: Backoff) -> None:
        if backoff.tries is not None:
            raise ValueError("Retrying retries for ever; a Backoff that gives up needs delay()")
        self.backoff = backoff
        self.failures = 0

    def failed(self) -> float:
        """Count one more failure; the seconds to wait before the next try."""
        self.failures += 1
        return self.backoff.wait(self.failures)

    def reset(self) -> None:
        """A try succeeded: the next failure waits the first delay again."""
        self.failures = 0


def call(
    attempt: Callable[[], T],
    backoff: Backoff,
    retry_on: tuple[type[Exception], ...],
    *,
    patience: float | None = None,
    on_retry: Callable[[Exception, float], object] | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """``attempt()``, tried again after each exception of ``retry_on``, waiting ``backoff``'s
    delays, until it gives up or the next try would start more than ``patience`` seconds after the
    first: then the last exception propagates. ``on_retry(exception, delay)`` before each wait."""
    deadline = None if patience is None else time.monotonic() + patience
    failures = 0
    while True:
        try:
            return attempt()
        except retry_on as exc:
            failures += 1
            delay = backoff.delay(failures)
            if delay is None or (deadline is not None and time.monotonic() + delay > deadline):
                raise
            if on_retry is not None:
                on_retry(exc, delay)
            sleep(delay)
