"""Schedules in Redis: saved, listed, deleted; each due time claimed once; runs remembered."""

from __future__ import annotations

import orjson
import redis

from joblook.schedules.schedule import Schedule
from joblook.store.logstore import LogStore
from joblook.store.schedules import RUNS_KEPT, Run, ScheduleStore


def a_schedule(schedule_id: str = "s1", **fields: object) -> Schedule:
    base: dict[str, object] = {
        "schedule_id": schedule_id, "name": "nightly", "since": 1000.0,
        "created_at": "2026-01-01T00:00:00.000000Z", "every": 60.0, "cmd": "true",
    }  # fmt: skip
    return Schedule(**(base | fields))  # type: ignore[arg-type]


def test_a_saved_schedule_reads_back_the_same_and_deleting_forgets_it(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    saved = a_schedule(job="train", cmd=None, params={"epochs": 3}, timezone="Europe/Paris")
    schedules.save(saved)
    assert schedules.get("s1") == saved
    assert schedules.all() == [saved]
    assert schedules.delete("s1")
    assert schedules.get("s1") is None
    assert not schedules.delete("s1")


def test_a_due_time_is_claimed_once_only(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    assert schedules.claim("s1", 1060.0, "task-a", keep_for=120)
    assert not schedules.claim("s1", 1060.0, "task-b", keep_for=120)
    assert schedules.claim("s1", 1120.0, "task-c", keep_for=120)  # the next due time is its own


def test_runs_are_kept_newest_first_and_bounded(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    schedules.save(a_schedule())
    for due in range(RUNS_KEPT + 5):
        schedules.add_run("s1", Run(due=float(due), fired_at=float(due), task_id=f"t{due}"))
    runs = schedules.runs("s1")
    assert len(runs) == RUNS_KEPT
    assert runs[0].task_id == f"t{RUNS_KEPT + 4}"


def test_a_run_of_a_schedule_deleted_meanwhile_is_not_remembered(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    schedules.add_run("gone", Run(due=1.0, fired_at=1.0, task_id="t"))
    assert schedules.runs("gone") == []


def test_only_recent_scheduler_heartbeats_count(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    schedules.beat("host:1", now=100.0, forget_after=3600)
    schedules.beat("host:2", now=180.0, forget_after=3600)
    assert schedules.schedulers(now=185.0, within=15) == ["host:2"]
    assert isinstance(store.redis, redis.Redis)


def test_a_schedule_stored_before_retries_existed_still_decodes_without_them() -> None:
    stored = orjson.loads(a_schedule().encode())
    del stored["retries"], stored["retry_delay"]  # as a schedule saved by an older version
    old = Schedule.decode(orjson.dumps(stored))
    assert (old.retries, old.retry_delay) == (None, None)
    assert old == a_schedule()


def test_a_schedules_retries_read_back_as_saved(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    schedules.save(a_schedule(retries=2, retry_delay=0.5))
    found = schedules.get("s1")
    assert found is not None and (found.retries, found.retry_delay) == (2, 0.5)
