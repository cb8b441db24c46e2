"""Schedules under faults, with real scheduler processes: several schedulers at once fire each
due time exactly once; a scheduler killed (-9) at the due time is covered by another, or by
itself once restarted within JOBLOOK_SCHEDULE_GRACE; past the grace, the due time is skipped
(never run late, never run twice)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from pathlib import Path
from typing import Any

import redis

from joblook.store.schedules import Run, ScheduleStore
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for


def epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def make(stack: Stack, **body: Any) -> dict[str, Any]:
    reply = stack.http.post(stack.url("/schedules"), json=body, timeout=10)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def runs(stack: Stack, schedule_id: str) -> list[Run]:
    """Every run the store remembers (up to 20), oldest first."""
    with redis.Redis(port=stack.redis_port) as client:
        return ScheduleStore(client).runs(schedule_id)[::-1]


def wait_schedulers(stack: Stack, count: int) -> None:
    def beating() -> bool:
        return stack.http.get(stack.url("/schedules"), timeout=10).json()["schedulers"] >= count

    wait_for(beating, 30, f"{count} schedulers to beat", interval=0.2)


def sleep_until(when: float) -> None:
    time.sleep(max(0.0, when - time.time()))


def test_three_schedulers_at_once_fire_each_due_time_exactly_once(tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        stack.add_scheduler("scheduler-2")
        stack.add_scheduler("scheduler-3")
        wait_schedulers(stack, 3)
        made = make(stack, every=1, cmd="true")
        wait_for(lambda: len(runs(stack, made["schedule_id"])) >= 8, 30, "eight runs")
        path = stack.url(f"/schedules/{made['schedule_id']}")
        stack.http.patch(path, json={"paused": True}, timeout=10)
        fired = runs(stack, made["schedule_id"])
        dues = [run.due for run in fired]
        assert len(set(dues)) == len(dues), "a due time fired twice"
        assert [b - a for a, b in itertools.pairwise(dues)] == [1.0] * (len(dues) - 1)
        ids = [run.task_id for run in fired]
        assert None not in ids and len(set(ids)) == len(ids)
        for task_id in ids:
            assert stack.wait_finished(str(task_id))["state"] == "SUCCESS"
            assert stack.task(str(task_id))["schedule_id"] == made["schedule_id"]


def test_a_scheduler_killed_at_the_due_time_is_covered_by_another(tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        stack.add_scheduler("scheduler-2")
        wait_schedulers(stack, 2)
        made = make(stack, every=4, cmd="true")
        due = epoch(made["next_runs"][1])  # the second: time to see the first one fire
        sleep_until(due - 0.2)
        stack.scheduler.kill()
        wait_for(lambda: due in [r.due for r in runs(stack, made["schedule_id"])], 10, "the due")
        time.sleep(1)
        assert [r.due for r in runs(stack, made["schedule_id"])].count(due) == 1


def test_a_scheduler_back_within_the_grace_fires_the_missed_due_time_once_and_past_it_never(
    tmp_path: Path,
) -> None:
    # The grace leaves a restarted scheduler 9 s to start (a loaded machine needs seconds).
    every, grace = 16, 10
    env = {"JOBLOOK_SCHEDULE_GRACE": str(grace)}
    with running_stack(tmp_path, env) as stack:
        wait_schedulers(stack, 1)
        made = make(stack, every=every, cmd="true")
        schedule_id = made["schedule_id"]
        missed_briefly = epoch(made["next_runs"][0])
        # kill -9 the only scheduler just before the due time, and start it again just after.
        sleep_until(missed_briefly - 0.3)
        stack.scheduler.kill()
        sleep_until(missed_briefly + 1)
        stack.scheduler.start()
        wait_for(lambda: runs(stack, schedule_id), grace + 5, "the missed due time to fire")
        (late,) = runs(stack, schedule_id)
        assert late.due == missed_briefly
        assert late.fired_at >= missed_briefly + 1  # fired late, by the restarted scheduler
        # Again, but down for longer than the grace: that due time never runs, the next one does.
        missed_for_good = missed_briefly + every
        sleep_until(missed_for_good - 0.3)
        stack.scheduler.kill()
        sleep_until(missed_for_good + grace + 0.5)
        stack.scheduler.start()
        following = missed_for_good + every
        wait_for(
            lambda: following in [r.due for r in runs(stack, schedule_id)],
            every + 10,
            "the next due time to fire",
        )
        assert [r.due for r in runs(stack, schedule_id)] == [missed_briefly, following]
