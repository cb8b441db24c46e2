"""A running task's heartbeat: proof in Redis that some worker still runs it.

While the task runs, a thread refreshes ``joblook:alive:<task_id>`` with a short expiry; when it
ends, the key says "ended" for a day, so a final status still on its way through the shipper is
not mistaken for a lost worker. The web's reaper (``web/reaper.py``) fails a STARTED task whose key
has been missing for a while: its worker, guardian and all, is gone (a node lost, not a process).
A Redis outage only pauses the heartbeat; the reaper tolerates gaps shorter than its threshold.
"""

from __future__ import annotations

import logging
import threading

import redis

from joblook import keys
from joblook.closing import Closing
from joblook.worker import metrics as worker_metrics
from joblook.worker.claim import owner_name

logger = logging.getLogger(__name__)

ENDED = "ended"
ENDED_TTL = 24 * 60 * 60


def beat_interval(lost_after: float) -> float:
    """How often a task refreshes its key: six times within the reaper's threshold."""
    return lost_after / 6


def beat_ttl(lost_after: float) -> int:
    """How long one refresh lasts (whole seconds, at least 1): half the reaper's threshold."""
    return max(1, round(lost_after / 2))


class Heartbeat(Closing):
    """Beats for ``task_id`` from ``open()`` (or ``with``) until ``close()``."""

    def __init__(self, client: redis.Redis, task_id: str, lost_after: float) -> None:
        self._client = client
        self._key = keys.alive(task_id)
        self._interval = beat_interval(lost_after)
        self._ttl = beat_ttl(lost_after)
        self._owner = owner_name()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{task_id}", daemon=True)

    def open(self) -> None:
        self._beat()
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            self._client.set(self._key, ENDED, ex=ENDED_TTL)
        except redis.RedisError as exc:
            logger.warning("%s: cannot mark the task ended: %s", self._key, exc)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._beat()

    def _beat(self) -> None:
        try:
            self._client.set(self._key, self._owner, ex=self._ttl)
            worker_metrics.beat()
        except redis.RedisError as exc:  # Redis is down: the reaper allows for short gaps
            logger.debug("%s: heartbeat missed: %s", self._key, exc)
