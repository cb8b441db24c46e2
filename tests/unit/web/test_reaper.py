"""The lost-worker reaper: patient with gaps, final once a heartbeat stays missing."""

from __future__ import annotations

import redis

from joblook import keys, record
from joblook.record import State
from joblook.store.logstore import LogStore
from joblook.web.reaper import Reaper
from tests.support.processes import free_port
from tests.unit.store.test_logstore import TASK, out

LOST_AFTER = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def running_task(store: LogStore) -> None:
    store.create_task(TASK, "train")
    store.append([record.status(TASK, 1, State.STARTED, None), out(2)])


def make_reaper(store: LogStore, clock: Clock, lost: list[str]) -> Reaper:
    return Reaper(store, LOST_AFTER, lost.extend, clock)


def test_a_task_missing_its_heartbeat_long_enough_is_failed_and_announced(store: LogStore) -> None:
    running_task(store)
    clock, announced = Clock(), []
    reaper = make_reaper(store, clock, announced)
    assert reaper.sweep() == []  # first seen missing: not yet
    clock.now += LOST_AFTER / 2
    assert reaper.sweep() == [TASK]
    assert announced == [TASK]
    info = store.task(TASK)
    assert info is not None and info.state == "FAILURE"
    assert info.message is not None and info.message.startswith("worker lost")


def test_a_heartbeat_that_comes_back_resets_the_count(store: LogStore) -> None:
    running_task(store)
    clock, announced = Clock(), []
    reaper = make_reaper(store, clock, announced)
    reaper.sweep()
    clock.now += LOST_AFTER / 4
    store.redis.set(keys.alive(TASK), "node-1:1", ex=30)
    reaper.sweep()
    store.redis.delete(keys.alive(TASK))
    clock.now += LOST_AFTER / 4
    assert reaper.sweep() == []  # missing again, but only just
    assert announced == []


def test_a_redis_outage_is_not_taken_for_a_lost_worker(store: LogStore) -> None:
    running_task(store)
    clock, announced = Clock(), []
    reaper = make_reaper(store, clock, announced)
    reaper.sweep()
    blind = Reaper(LogStore(redis.Redis(port=free_port())), LOST_AFTER, announced.extend, clock)
    blind._missing_since = dict(reaper._missing_since)
    assert blind.sweep() == []
    assert blind._missing_since == {}


def test_sweeps_come_often_enough_to_notice_in_time() -> None:
    assert Reaper(LogStore(redis.Redis()), 60, print).interval == 10.0
    assert Reaper(LogStore(redis.Redis()), 3, print).interval == 0.5
