"""The queue of ended tasks the webhook reports, kept in Redis so no end goes unreported.

``append.lua`` and ``lost.lua`` push a task's id on the ``ended`` list atomically with its end
(only when a webhook is configured). A sender claims ids one at a time: the id moves to a sorted
set of claims, scored by when it was claimed, and leaves it when delivered or given up. A claim
older than ``abandoned_after`` seconds belongs to a sender that died mid-delivery: the next claim
puts it back first, so a crash costs a repeated POST, never a lost one.

A failed POST is not retried in place: the id waits in a sorted set of retries, scored by when its
next try is due, and the sender goes on with other ends meanwhile. A due retry is claimed before
a new end. The number of failed tries per id is kept beside it until the id is done.
"""

from __future__ import annotations

from importlib import resources

import redis

from joblook import keys


class EndedQueue:
    def __init__(self, client: redis.Redis, abandoned_after: float) -> None:
        self.redis = client
        self.ended_key = keys.ENDED
        self.claims_key = keys.ENDED_CLAIMS
        self.retries_key = keys.ENDED_RETRIES
        self.failures_key = keys.ENDED_FAILURES
        self.abandoned_after = abandoned_after
        source = resources.files("joblook.store").joinpath("claim.lua").read_text()
        self._claim = client.register_script(source)

    def claim(self, now: float) -> str | None:
        """The next ended task to report (a due retry first), now claimed; None when none is."""
        task_id = self._claim(
            keys=[self.ended_key, self.claims_key, self.retries_key],
            args=[now, self.abandoned_after],
        )
        return task_id.decode() if task_id is not None else None

    def add(self, task_id: str) -> None:
        """Queue a report that no stored end queued (a chain or group whose last step ended)."""
        self.redis.rpush(self.ended_key, task_id)

    def failed(self, task_id: str) -> int:
        """Count a failed try at reporting the task; returns how many have failed so far."""
        return int(self.redis.hincrby(self.failures_key, task_id, 1))

    def retry_at(self, task_id: str, due: float) -> None:
        """Release the claim; the task is claimable again from ``due`` (epoch seconds) on."""
        with self.redis.pipeline() as pipe:
            pipe.zadd(self.retries_key, {task_id: due})
            pipe.zrem(self.claims_key, task_id)
            pipe.execute()

    def done(self, task_id: str) -> None:
        """The task is reported (or given up on): drop its claim and its count of failures."""
        with self.redis.pipeline() as pipe:
            pipe.zrem(self.claims_key, task_id)
            pipe.hdel(self.failures_key, task_id)
            pipe.execute()
