"""The scheduler's tick: fires each due time once across schedulers, within the grace only."""

from __future__ import annotations

from joblook.scheduler.loop import Scheduler
from joblook.schedules.schedule import Schedule
from joblook.store.logstore import Claim, LogStore
from joblook.store.schedules import Run, ScheduleStore

from .test_schedule_store import a_schedule


class Recorder:
    """A stand-in for the firer: takes the claim, and remembers what it was asked to start."""

    def __init__(self, schedules: ScheduleStore) -> None:
        self.schedules = schedules
        self.fired: list[tuple[str, float]] = []

    def __call__(self, schedule: Schedule, due: float, claim: Claim) -> Run | None:
        if not self.schedules.take(claim):
            return None
        self.fired.append((schedule.schedule_id, due))
        return Run(due=due, fired_at=due, task_id=claim.value)


def schedulers(store: LogStore, count: int, grace: float = 30) -> tuple[list[Scheduler], Recorder]:
    schedules = ScheduleStore(store.redis)
    recorder = Recorder(schedules)
    return [Scheduler(schedules, recorder, grace, f"h:{i}") for i in range(count)], recorder


def test_two_schedulers_fire_each_due_time_once(store: LogStore) -> None:
    ScheduleStore(store.redis).save(a_schedule(every=10.0, since=1000.0))
    (first, second), recorder = schedulers(store, 2)
    for now in (1010.0, 1010.5, 1011.0, 1020.2):
        first.tick(now)
        second.tick(now)
    assert recorder.fired == [("s1", 1010.0), ("s1", 1020.0)]
    assert [run.due for run in ScheduleStore(store.redis).runs("s1")] == [1020.0, 1010.0]


def test_a_missed_due_time_fires_once_within_the_grace_and_never_as_a_backlog(
    store: LogStore,
) -> None:
    ScheduleStore(store.redis).save(a_schedule(every=10.0, since=1000.0))
    (scheduler,), recorder = schedulers(store, 1, grace=30)
    scheduler.tick(1075.0)  # down since before 1010: only 1070 fires
    scheduler.tick(1076.0)
    assert recorder.fired == [("s1", 1070.0)]


def test_a_due_time_older_than_the_grace_is_skipped(store: LogStore) -> None:
    ScheduleStore(store.redis).save(a_schedule(cron="0 3 * * *", every=None, since=0.0))
    (scheduler,), recorder = schedulers(store, 1, grace=30)
    three_oclock = 1767236400.0  # 2026-01-01T03:00:00Z
    scheduler.tick(three_oclock + 31)
    assert recorder.fired == []
    scheduler.tick(three_oclock + 86_400 + 29)
    assert recorder.fired == [("s1", three_oclock + 86_400)]


def test_a_paused_schedule_does_not_fire(store: LogStore) -> None:
    ScheduleStore(store.redis).save(a_schedule(paused=True))
    (scheduler,), recorder = schedulers(store, 1)
    scheduler.tick(1060.0)
    assert recorder.fired == []


def test_a_schedule_that_fails_to_fire_does_not_stop_the_others(store: LogStore) -> None:
    schedules = ScheduleStore(store.redis)
    schedules.save(a_schedule("broken", created_at="2026-01-01T00:00:00.000000Z"))
    schedules.save(a_schedule("fine", created_at="2026-01-02T00:00:00.000000Z"))
    fired: list[str] = []

    def fire(schedule: Schedule, due: float, claim: Claim) -> Run:
        if schedule.schedule_id == "broken":
            raise RuntimeError("the broker said no")
        fired.append(schedule.schedule_id)
        return Run(due=due, fired_at=due, task_id=claim.value)

    Scheduler(schedules, fire, 30, "h:1").tick(1060.0)
    assert fired == ["fine"]
