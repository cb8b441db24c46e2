"""What the store keeps and for how long: running tasks, lost workers, finished logs' expiry."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from joblook import keys, record
from joblook.record import State
from joblook.store.logstore import LogStore
from tests.unit.store.test_logstore import OTHER, TASK, out


def started(store: LogStore, task_id: str = TASK) -> None:
    store.create_task(task_id, "train")
    store.append(
        [
            record.status(task_id, 1, State.STARTED, None, "started on node-1"),
            out(2, task_id=task_id),
        ]
    )


def test_a_task_is_running_from_its_started_status_to_its_last(store: LogStore) -> None:
    started(store)
    started(store, OTHER)
    assert store.running_tasks() == sorted([TASK, OTHER])
    store.append([record.status(TASK, 3, State.SUCCESS, 0)])
    assert store.running_tasks() == [OTHER]


def test_a_running_task_without_heartbeat_is_failed_as_lost(store: LogStore) -> None:
    started(store)
    assert store.heartbeats([TASK]) == [False]
    assert store.mark_lost(TASK, "worker lost: test")
    info = store.task(TASK)
    assert info is not None
    assert (info.state, info.exit_code, info.message) == ("FAILURE", None, "worker lost: test")
    assert info.finished_at is not None
    assert store.running_tasks() == []
    assert not store.mark_lost(TASK, "again")  # only a STARTED task can be lost


def test_a_lost_task_keeps_its_failure_when_its_worker_reports_late(store: LogStore) -> None:
    # A host cut off, then back: its shipper delivers the lines and the worker's own end after
    # the web failed the task. The lines are stored; the first end stands.
    started(store)
    assert store.mark_lost(TASK, "worker lost: test")
    store.append([out(3), record.status(TASK, 4, State.SUCCESS, 0)])
    info = store.task(TASK)
    assert info is not None
    assert (info.state, info.exit_code, info.message) == ("FAILURE", None, "worker lost: test")
    assert [json.loads(r)["seq"] for r in store.read(TASK)] == [1, 2, 3, 4]
    assert store.running_tasks() == []


def test_a_status_after_a_task_ended_changes_nothing(store: LogStore) -> None:
    started(store)
    store.append(
        [record.status(TASK, 3, State.FAILURE, 2), record.status(TASK, 4, State.STARTED, None)]
    )
    info = store.task(TASK)
    assert info is not None and (info.state, info.exit_code) == ("FAILURE", 2)
    assert store.running_tasks() == []


def test_a_task_with_a_heartbeat_is_never_failed_as_lost(store: LogStore) -> None:
    started(store)
    store.redis.set(keys.alive(TASK), "node-1:42", ex=10)
    assert store.heartbeats([TASK]) == [True]
    assert not store.mark_lost(TASK, "worker lost")
    info = store.task(TASK)
    assert info is not None and info.state == "STARTED"


def test_finished_logs_expire_after_the_configured_time(redis_url: str, store: LogStore) -> None:
    keeping = LogStore(redis.Redis.from_url(redis_url), log_ttl=3600)
    started(keeping)
    assert keeping.redis.ttl(keys.log(TASK)) == -1  # running: kept
    keeping.append([record.status(TASK, 3, State.SUCCESS, 0)])
    for key in (keys.log(TASK), keys.task(TASK)):
        assert 3590 <= keeping.redis.ttl(key) <= 3600


def test_finished_logs_are_kept_for_ever_by_default(store: LogStore) -> None:
    started(store)
    store.append([record.status(TASK, 3, State.SUCCESS, 0)])
    assert store.redis.ttl(keys.log(TASK)) == -1
    assert store.redis.ttl(keys.task(TASK)) == -1


def test_an_expired_task_leaves_the_listing(store: LogStore) -> None:
    started(store)
    started(store, OTHER)
    store.redis.delete(keys.log(TASK), keys.task(TASK))  # as its expiry would
    assert [info.task_id for info in store.list_tasks(10)] == [OTHER]
    assert store.redis.zscore(keys.TASKS, TASK) is None  # and the index forgets it


def test_a_chain_goes_when_its_last_step_has_expired(store: LogStore) -> None:
    started(store)
    started(store, OTHER)
    parent = "7d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"
    store.create_parent(parent, "chain", "train && test", [TASK, OTHER])
    store.redis.delete(keys.log(TASK), keys.task(TASK))
    info = store.task(parent)
    assert info is not None and info.state == "STARTED"  # what is left of it still counts
    store.redis.delete(keys.log(OTHER), keys.task(OTHER))
    assert store.task(parent) is None
    assert store.redis.exists(keys.task(parent))  # reading it changes nothing...
    assert parent not in [info.task_id for info in store.list_tasks(10)]
    assert not store.redis.exists(keys.task(parent))  # ...the listing tidies it away


def test_a_group_is_read_in_two_round_trips_however_many_steps_it_has(
    store: LogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = [str(uuid.uuid4()) for _ in range(200)]
    parent = str(uuid.uuid4())
    store.create_parent(parent, "group", "sweep", steps)
    for step in steps:
        store.create_task(step, "train", parent=parent)
    started(store, steps[7])
    trips: list[int] = []
    execute = redis.client.Pipeline.execute

    def counted(pipe: redis.client.Pipeline, *args: object, **kwargs: object) -> object:
        trips.append(len(pipe.command_stack))
        return execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    info = store.task(parent)
    assert info is not None and info.state == "STARTED"
    assert trips == [2, 400]  # the group itself, then every step at once
