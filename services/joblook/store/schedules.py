"""Schedules in Redis, so every web and scheduler replica sees the same list; and the claims
that make each due time fire once however many schedulers run.

A due time is claimed with ``SET NX`` on a key named after the schedule and the time
(``keys.schedule_fire``), in the script call that records and queues its task: the scheduler
whose SET succeeds fires it, every other one skips it.
The claim outlives the grace window in which a due time may still fire, so it cannot be claimed
twice.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import orjson
import redis

from joblook import keys
from joblook.schedules.schedule import Schedule
from joblook.store.logstore import Claim

RUNS_KEPT = 20  # runs remembered per schedule


@dataclass(frozen=True, slots=True)
class Run:
    """One due time a scheduler fired: the task it started, or why it started none."""

    due: float
    fired_at: float
    task_id: str | None = None
    message: str | None = None


def claim_of(schedule_id: str, due: float, task_id: str, keep_for: float) -> Claim:
    """The claim of a schedule's due time by the task it starts, kept ``keep_for`` seconds: taken
    by the script call that queues the task (``LogStore.create_claimed``), so a due time is
    claimed and queued, or neither."""
    ttl = max(1, math.ceil(keep_for))
    return Claim(keys.schedule_fire(schedule_id, due), task_id, ttl)


class ScheduleStore:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def save(self, schedule: Schedule) -> None:
        """Create or replace the schedule."""
        self.redis.hset(keys.SCHEDULES, schedule.schedule_id, schedule.encode())

    def get(self, schedule_id: str) -> Schedule | None:
        raw = self.redis.hget(keys.SCHEDULES, schedule_id)
        return Schedule.decode(raw) if raw else None

    def all(self) -> list[Schedule]:
        """Every schedule, oldest first."""
        schedules = [Schedule.decode(raw) for raw in self.redis.hvals(keys.SCHEDULES)]
        return sorted(schedules, key=lambda s: (s.created_at, s.schedule_id))

    def delete(self, schedule_id: str) -> bool:
        """Forget the schedule and its runs (the tasks it started stay); False if unknown."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(keys.SCHEDULES, schedule_id)
        pipe.delete(keys.schedule_runs(schedule_id))
        removed, _ = pipe.execute()
        return bool(removed)

    def claim(self, schedule_id: str, due: float, task_id: str, keep_for: float) -> bool:
        """True for the first claim of this due time only; kept ``keep_for`` seconds."""
        return self.take(claim_of(schedule_id, due, task_id, keep_for))

    def take(self, claim: Claim) -> bool:
        """Take ``claim`` alone (a due time that starts no task); True if it was free."""
        return bool(self.redis.set(claim.key, claim.value, nx=True, ex=claim.ttl))

    def add_run(self, schedule_id: str, run: Run) -> None:
        """Remember a fired due time, unless the schedule was deleted meanwhile."""
        if not self.redis.hexists(keys.SCHEDULES, schedule_id):
            return
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(keys.schedule_runs(schedule_id), orjson.dumps(dataclasses.asdict(run)))
        pipe.ltrim(keys.schedule_runs(schedule_id), 0, RUNS_KEPT - 1)
        pipe.execute()

    def runs(self, schedule_id: str, count: int = RUNS_KEPT) -> list[Run]:
        """The latest runs, newest first."""
        raws = self.redis.lrange(keys.schedule_runs(schedule_id), 0, count - 1)
        return [Run(**orjson.loads(raw)) for raw in raws]

    def beat(self, owner: str, now: float, forget_after: float) -> None:
        """A scheduler says it is alive; beats older than ``forget_after`` seconds are dropped."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(keys.SCHEDULERS, {owner: now})
        pipe.zremrangebyscore(keys.SCHEDULERS, "-inf", now - forget_after)
        pipe.execute()

    def schedulers(self, now: float, within: float) -> list[str]:
        """The schedulers that beat in the last ``within`` seconds."""
        found = self.redis.zrangebyscore(keys.SCHEDULERS, now - within, "+inf")
        return sorted(raw.decode() for raw in found)
