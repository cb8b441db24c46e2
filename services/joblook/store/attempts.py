"""The retries of a task, kept in Redis: which attempts are watched, which are scheduled.

A task enqueued with ``retries`` is its first attempt. While an attempt that may be retried has
not ended, its id is in the watch set. When it ends FAILURE (and nobody cancelled it), one web
process takes it off the set and, in the same script, creates the next attempt as a PENDING task
of its own and puts it in the due set, scored by when it may run (``schedule_attempt.lua``). When
it is due, a web process leases it (``claim_due.lua``), sends it to the Celery queue and drops it.

Nothing of this lives in a worker, so a worker lost during a retry delay loses nothing: the delay
is a score in Redis. A web process that dies mid-send leaves a lease that runs out; the attempt is
then sent again, and the worker's claim on its task id (``worker/claim.py``) runs it once.
"""

from __future__ import annotations

from importlib import resources

import redis

from joblook import keys


class Attempts:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        scripts = resources.files("joblook.store")
        self._schedule = client.register_script(
            scripts.joinpath("schedule_attempt.lua").read_text()
        )
        self._claim_due = client.register_script(scripts.joinpath("claim_due.lua").read_text())

    def watched(self) -> list[str]:
        """The attempts whose failure would start another one."""
        return sorted(raw.decode() for raw in self.redis.smembers(keys.RETRY_WATCH))

    def unwatch(self, task_id: str) -> None:
        """The attempt ended in a way that is not retried (or it expired)."""
        self.redis.srem(keys.RETRY_WATCH, task_id)

    def schedule(
        self,
        failed: str,
        first: str,
        new_id: str,
        *,
        due: float,
        created: float,
        fields: dict[str, str],
        watch_next: bool,
    ) -> bool:
        """Create attempt ``new_id`` (its hash ``fields``) after ``failed``, due at ``due``; False
        when another process already did."""
        args: list[object] = [failed, new_id, due, created, "1" if watch_next else "", first]
        for name, value in fields.items():
            args += [name, value]
        task_keys = [keys.RETRY_WATCH, keys.RETRY_DUE, keys.task(first), keys.task(new_id)]
        return bool(self._schedule(keys=[*task_keys, keys.TASKS], args=args))

    def lease_due(self, now: float, lease_until: float, limit: int) -> list[str]:
        """The scheduled attempts due by ``now``, leased to the caller until ``lease_until``."""
        ids = self._claim_due(keys=[keys.RETRY_DUE], args=[now, lease_until, limit])
        return [raw.decode() for raw in ids]

    def unschedule(self, task_id: str) -> bool:
        """Take an attempt off the due set (sent, or cancelled); False if it was not on it."""
        return bool(self.redis.zrem(keys.RETRY_DUE, task_id))

    def sent(self, task_id: str) -> None:
        """The attempt is on the Celery queue: no longer due, no longer waiting."""
        with self.redis.pipeline() as pipe:
            pipe.zrem(keys.RETRY_DUE, task_id)
            pipe.hset(keys.task(task_id), "due_at", "")
            pipe.execute()

    def scheduled(self, task_id: str) -> bool:
        return self.redis.zscore(keys.RETRY_DUE, task_id) is not None
