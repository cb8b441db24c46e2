"""Firing a due time: the claim and the queued task appear together, or neither does."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from joblook import jobs, keys
from joblook.scheduler.firing import Firer
from joblook.scheduler.loop import Scheduler
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.store.schedules import ScheduleStore, claim_of
from joblook.taskqueue import make_celery

from .test_schedule_store import a_schedule


def _firer(store: LogStore) -> Firer:
    settings = Settings.from_env({"JOBLOOK_ALLOW_RAW": "1", "REDIS_URL": "redis://127.0.0.1:1/0"})
    return Firer(store, make_celery(settings), settings, {})


@pytest.fixture
def schedules(store: LogStore) -> ScheduleStore:
    """The schedule store, with one schedule every minute from 1000."""
    found = ScheduleStore(store.redis)
    found.save(a_schedule(every=60.0, since=1000.0))
    return found


def test_a_fired_due_time_has_its_claim_its_task_and_its_message_together(
    store: LogStore, schedules: ScheduleStore
) -> None:
    (run,) = Scheduler(schedules, _firer(store), 30, "h:1").tick(1060.0)
    assert run.task_id is not None
    assert store.redis.get(keys.schedule_fire("s1", 1060.0)) == run.task_id.encode()
    task = store.task(run.task_id)
    assert task is not None and (task.state, task.schedule_id) == ("PENDING", "s1")
    (message,) = store.redis.lrange("celery", 0, -1)
    assert run.task_id.encode() in message


def test_a_claimed_due_time_queues_nothing_more(store: LogStore, schedules: ScheduleStore) -> None:
    claim = claim_of("s1", 1060.0, "someone-else", 120)
    assert _firer(store)(a_schedule(every=60.0, since=1000.0), 1060.0, claim) is not None
    again = claim_of("s1", 1060.0, "a-second-task", 120)
    assert _firer(store)(a_schedule(every=60.0, since=1000.0), 1060.0, again) is None
    assert store.task("a-second-task") is None
    assert store.redis.llen("celery") == 1


def test_a_scheduler_whose_queueing_fails_leaves_the_due_time_to_another(
    store: LogStore, schedules: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def redis_went_away(*_args: object, **_kwargs: object) -> None:
        raise redis.ConnectionError("Redis went away")

    failing = LogStore(store.redis)  # its script call that would queue the task fails
    monkeypatch.setattr(failing, "create_claimed", redis_went_away)
    assert Scheduler(schedules, _firer(failing), 30, "h:1").tick(1060.0) == []
    assert not store.redis.exists(keys.schedule_fire("s1", 1060.0))
    assert schedules.runs("s1") == []
    (run,) = Scheduler(schedules, _firer(store), 30, "h:2").tick(1061.0)
    assert run.task_id is not None and store.task(run.task_id) is not None


def test_a_run_of_a_schedule_with_retries_is_a_watched_first_attempt(store: LogStore) -> None:
    schedule = a_schedule(every=60.0, since=1000.0, cmd="exit 1", retries=2, retry_delay=0.5)
    run = _firer(store)(schedule, 1060.0, claim_of("s1", 1060.0, "first-attempt", 120))
    assert run is not None and run.task_id == "first-attempt"
    task = store.task("first-attempt")
    assert task is not None
    assert (task.retries, task.retry_delay, task.attempt, task.run) == (2, 0.5, 1, "exit 1")
    assert store.redis.sismember(keys.RETRY_WATCH, "first-attempt")


def test_a_run_of_a_schedule_without_retries_is_not_watched(store: LogStore) -> None:
    run = _firer(store)(a_schedule(), 1060.0, claim_of("s1", 1060.0, "only-attempt", 120))
    assert run is not None
    task = store.task("only-attempt")
    assert task is not None and (task.retries, task.attempt) == (None, None)
    assert not store.redis.sismember(keys.RETRY_WATCH, "only-attempt")


def test_a_scheduled_job_takes_its_jobs_retries_unless_the_schedule_says(
    store: LogStore, tmp_path: Path
) -> None:
    jobs_file = tmp_path / "jobs.yaml"
    jobs_file.write_text(
        "jobs:\n  upload:\n    argv: [false]\n    retries: 3\n    retry_delay: 7\n"
    )
    firer = _firer(store)
    firer.jobs = jobs.load(jobs_file)
    own = a_schedule(cmd=None, job="upload")
    assert firer(own, 1060.0, claim_of("s1", 1060.0, "job-policy", 120)) is not None
    off = a_schedule("s2", cmd=None, job="upload", retries=0)
    assert firer(off, 1060.0, claim_of("s2", 1060.0, "no-retries", 120)) is not None
    inherited, turned_off = store.task("job-policy"), store.task("no-retries")
    assert inherited is not None and (inherited.retries, inherited.retry_delay) == (3, 7.0)
    assert turned_off is not None and turned_off.retries is None
