"""The local stack under measurement: the same real processes the integration tests start.

``tests/support`` has no pytest dependency, so the benchmarks reuse its ``Stack`` as is: Redis,
``joblook web`` (eventlet), ``joblook worker`` and ``joblook shipper`` (or Fluentd) on free
127.0.0.1 ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from joblook.store.logstore import LogStore
from tests.support.stack import Stack, running_stack

__all__ = ["Stack", "bench_stack", "process_rss", "store_of"]

# The services' own INFO lines are not what is measured; keep their logging off the hot path.
BENCH_ENV = {"JOBLOOK_LOG_LEVEL": "WARNING"}


@contextmanager
def bench_stack(root: Path, concurrency: int = 4, shipper: str = "joblook") -> Iterator[Stack]:
    """A stack for the benchmarks, stopped afterwards; ``shipper`` is "joblook" or "fluentd"."""
    with running_stack(root, BENCH_ENV, concurrency, shipper=shipper) as stack:
        yield stack


def store_of(stack: Stack) -> LogStore:
    """A direct view of the stack's store, to check what was stored without going through HTTP."""
    return LogStore.from_url(stack.env["REDIS_URL"])


def process_rss(pid: int) -> int:
    """Resident memory of one process, in bytes (0 once it has gone)."""
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.NoSuchProcess:
        return 0


def pid_of(stack: Stack, service: str) -> int:
    proc = {s.name: s for s in stack.services}[service].proc
    assert proc is not None, f"{service} is not running"
    return proc.pid
