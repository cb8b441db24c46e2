"""Fail running tasks whose worker vanished with its guardian: a node lost, not a process killed.

A worker killed on a living machine is handled by the command's guardian (``worker/guardian.py``),
which writes the task's last record itself. When the whole machine goes, nothing is left to write
it; what remains is the task's heartbeat key expiring (``worker/heartbeat.py``). Every web process
sweeps the running tasks now and then; a task whose key it has seen missing for half the
``JOBLOOK_WORKER_LOST_SECONDS`` in a row (after the key's own expiry, also half of it) is failed
with "worker lost", atomically and only if it still has no heartbeat, so several web processes
agree. A sweep that cannot reach Redis forgets what it saw: an outage is not evidence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

from joblook.store.logstore import LogStore

logger = logging.getLogger(__name__)

MAX_SWEEP_INTERVAL = 10.0


class Reaper:
    def __init__(
        self,
        store: LogStore,
        lost_after: float,
        on_lost: Callable[[list[str]], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._lost_after = lost_after
        self._grace = lost_after / 2
        self._on_lost = on_lost
        self._clock = clock
        self._missing_since: dict[str, float] = {}

    @property
    def interval(self) -> float:
        """Seconds between sweeps."""
        return min(MAX_SWEEP_INTERVAL, self._lost_after / 6)

    def sweep(self) -> list[str]:
        """One look at the running tasks; returns those it failed."""
        try:
            lost = self._find_lost()
        except redis.RedisError as exc:
            logger.warning("cannot look for lost workers: %s", exc)
            self._missing_since.clear()
            return []
        if lost:
            self._on_lost(lost)
        return lost

    def run(self, sleep: Callable[[float], object]) -> None:
        """Sweep for ever, ``sleep`` (e.g. ``socketio.sleep``) between sweeps."""
        while True:
            sleep(self.interval)
            try:
                self.sweep()
            except Exception:  # never let one bad sweep end the loop
                logger.exception("lost-worker sweep failed")

    def _find_lost(self) -> list[str]:
        running = self._store.running_tasks()
        beating = self._store.heartbeats(running)
        now, lost = self._clock(), []
        self._missing_since = {
            task_id: self._missing_since.get(task_id, now)
            for task_id, beats in zip(running, beating, strict=True)
            if not beats
        }
        message = f"worker lost: no heartbeat for {self._lost_after:g} s; its machine may be gone"
        for task_id, since in list(self._missing_since.items()):
            if now - since >= self._grace and self._store.mark_lost(task_id, message):
                logger.warning("task %s: %s", task_id, message)
                lost.append(task_id)
                del self._missing_since[task_id]
        return lost
