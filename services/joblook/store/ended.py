"""The queue of ended tasks the webhook reports, kept in Redis so no end goes unreported.

``append.lua`` and ``lost.lua`` push a task's id on the ``ended`` list atomically with its end
(only when a webhook is configured). A sender claims ids one at a time: the id moves to a sorted
set of claims, scored by when it was claimed, and leaves it when delivered or given up. A claim
older than ``abandoned_after`` seconds belongs to a sender that died mid-delivery: the next claim
puts it back first, so a crash costs a repeated POST, never a lost one.
"""

from __future__ import annotations

from importlib import resources

import redis


class EndedQueue:
    def __init__(self, client: redis.Redis, ended_key: str, abandoned_after: float) -> None:
        self.redis = client
        self.ended_key = ended_key
        self.claims_key = f"{ended_key}:claims"
        self.abandoned_after = abandoned_after
        source = resources.files("joblook.store").joinpath("claim.lua").read_text()
        self._claim = client.register_script(source)

    def claim(self, now: float) -> str | None:
        """The next ended task to report, now claimed; None when there is none."""
        task_id = self._claim(
            keys=[self.ended_key, self.claims_key], args=[now, self.abandoned_after]
        )
        return task_id.decode() if task_id is not None else None

    def done(self, task_id: str) -> None:
        """The task is reported (or given up on): drop its claim."""
        self.redis.zrem(self.claims_key, task_id)
