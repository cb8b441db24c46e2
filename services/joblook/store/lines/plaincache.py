"""The plain strings last searched, kept in this process.

Someone searching types a query letter by letter and pages through the matches: each is a
full pass over the log. Reading a 1,000,000-line log's plain string from Redis (tens of MB) is
then most of a search's time, so each process keeps the strings it read, most recently used
first, up to BUDGET_BYTES: a string only grows at its end (the index appends), so a kept prefix
stays true and only what was appended since is read again.
"""

from __future__ import annotations

from collections import OrderedDict

import redis

from joblook import keys

BUDGET_BYTES = 256 << 20


class PlainCache:
    def __init__(self, client: redis.Redis, budget: int = BUDGET_BYTES) -> None:
        self.redis = client
        self.budget = budget
        self._kept: OrderedDict[str, bytearray] = OrderedDict()
        self._size = 0

    def read(self, task_id: str, lo: int, hi: int) -> bytes:
        """Bytes ``lo`` to ``hi`` (exclusive) of the task's plain string."""
        kept = self._kept.get(task_id)
        if kept is None:
            if lo > 0 or hi > self.budget // 4:  # not from the start, or too big to keep
                return self._fetch(task_id, lo, hi)
            kept = self._kept[task_id] = bytearray()
        if len(kept) < hi:
            if lo > len(kept):  # far past what is kept: read just this
                return self._fetch(task_id, lo, hi)
            had = len(kept)
            more = self._fetch(task_id, had, hi)
            if len(kept) == had:  # no other greenlet extended it meanwhile
                kept += more
                self._size += len(more)
        self._kept.move_to_end(task_id)
        self._evict()
        return bytes(memoryview(kept)[lo:hi])

    def _fetch(self, task_id: str, lo: int, hi: int) -> bytes:
        return self.redis.getrange(keys.lines_plain(task_id), lo, hi - 1) if hi > lo else b""

    def _evict(self) -> None:
        while self._size > self.budget and len(self._kept) > 1:
            _task, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped)
