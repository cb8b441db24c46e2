"""The scheduler's loop: each tick, fire every schedule whose latest due time is unclaimed.

The claim is taken by the firing itself, in the script call that queues the task
(``firing.py``): a due time is claimed and queued, or neither, so a scheduler that dies or
fails to queue leaves it to the next tick or another scheduler.

Only a schedule's latest due time is ever fired, and only within ``grace`` seconds of it. So a
scheduler (or all of them) down at a due time fires it once on coming back if that is within the
grace, and never fires a backlog: a schedule every minute, down for an hour, runs once, not 60
times.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

from joblook import record
from joblook.schedules.schedule import Schedule
from joblook.store.logstore import Claim
from joblook.store.schedules import Run, ScheduleStore, claim_of

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
FORGET_SCHEDULERS_AFTER = 3600.0  # a scheduler's heartbeat is kept this long after its last
CLAIM_MARGIN = 60.0  # a claim outlives the grace window by this much

Fire = Callable[[Schedule, float, Claim], Run | None]
"""Starts a schedule's run for a due time, with the claim's value as its task id, taking the
claim as it queues it; says what it did, or None when the claim was taken already (or the run
could not be queued, and the claim was left free)."""


class Scheduler:
    def __init__(self, schedules: ScheduleStore, fire: Fire, grace: float, owner: str) -> None:
        self.schedules = schedules
        self.fire = fire
        self.grace = grace
        self.owner = owner

    def tick(self, now: float) -> list[Run]:
        """Fire what is due at ``now`` and unclaimed; the runs this scheduler started."""
        self.schedules.beat(self.owner, now, FORGET_SCHEDULERS_AFTER)
        started = []
        for schedule in self.schedules.all():
            try:
                run = self._fire_if_due(schedule, now)
            except Exception:  # one broken schedule must not stop the others
                log.exception("schedule %s: could not fire it", schedule.schedule_id)
                continue
            if run is not None:
                started.append(run)
        return started

    def _fire_if_due(self, schedule: Schedule, now: float) -> Run | None:
        due = None if schedule.paused else schedule.latest_due(now)
        if due is None or now - due > self.grace:
            return None
        keep_for = self.grace + CLAIM_MARGIN
        claim = claim_of(schedule.schedule_id, due, record.new_task_id(), keep_for)
        if self.schedules.redis.exists(claim.key):
            return None  # another scheduler fired it (or this one, a tick ago)
        run = self.fire(schedule, due, claim)
        if run is None:
            return None  # claimed meanwhile by another scheduler, or not queued: try again
        self.schedules.add_run(schedule.schedule_id, run)
        log.info(
            "schedule %s (%s): due %s, task %s%s",
            schedule.schedule_id, schedule.name, due, run.task_id,
            f" ({run.message})" if run.message else "",
        )  # fmt: skip
        return run

    def run(self, stop: threading.Event, clock: Callable[[], float] = time.time) -> None:
        """Tick every second until ``stop`` is set; a Redis outage is waited out, not fatal."""
        while not stop.is_set():
            try:
                self.tick(clock())
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                log.warning("scheduler: Redis unavailable (%s); retrying", exc)
            # Just after the next whole second: cron due times fall on whole minutes.
            stop.wait(TICK_SECONDS - clock() % TICK_SECONDS + 0.01)
