"""The books of concurrency limits and GPU pools, against a real Redis (store/slots.py)."""

from __future__ import annotations

import time
import uuid

import pytest

from joblook import keys
from joblook.store.logstore import LogStore, NewTask
from joblook.store.slots import Ask, Slots, gpu_scope, queue_scope

LEASE = 60.0
NO_GPUS: tuple[str, list[str]] = ("w1", [])


@pytest.fixture
def slots(store: LogStore) -> Slots:
    """The books on the emptied test database."""
    return Slots(store.redis)


def _tasks(store: LogStore, count: int) -> list[str]:
    """Task ids created in this order (so in this waiting order)."""
    ids = []
    for _ in range(count):
        task_id = str(uuid.uuid4())
        store.create_task(task_id, "true")
        ids.append(task_id)
        time.sleep(0.002)
    return ids


def _ask(task_id: str, limit: int = 1, gpus: int = 0) -> Ask:
    return Ask(task_id, "gpu", [(queue_scope("gpu"), limit)], gpus)


def _spec(task_id: str) -> dict[str, object]:
    return {"args": ["true"], "kwargs": {}, "queue": "gpu", "chain": None, "id": task_id}


def test_a_task_over_the_limit_parks_and_the_release_wakes_the_oldest_waiter_first(
    store: LogStore, slots: Slots
) -> None:
    first, second, third = _tasks(store, 3)
    assert slots.acquire(_ask(first), _spec(first), NO_GPUS, LEASE).admitted
    # They reach the worker out of order; they still wait in creation order.
    assert not slots.acquire(_ask(third), _spec(third), NO_GPUS, LEASE).admitted
    parked = slots.acquire(_ask(second), _spec(second), NO_GPUS, LEASE)
    assert parked.blocked_by == [queue_scope("gpu")]
    assert slots.wake(queue_scope("gpu"), 1, 10, 0) == []  # the slot is still held
    slots.release(_ask(first), "w1", [])
    woken = slots.wake(queue_scope("gpu"), 1, 10, 0)
    assert [task_id for task_id, _spec in woken] == [second]
    assert woken[0][1]["id"] == second


def test_a_younger_task_never_takes_a_free_slot_while_an_older_one_waits(
    store: LogStore, slots: Slots
) -> None:
    holder, older, younger = _tasks(store, 3)
    slots.acquire(_ask(holder), _spec(holder), NO_GPUS, LEASE)
    slots.acquire(_ask(older), _spec(older), NO_GPUS, LEASE)
    slots.release(_ask(holder), "w1", [])
    assert not slots.acquire(_ask(younger), _spec(younger), NO_GPUS, LEASE).admitted
    assert slots.acquire(_ask(older), _spec(older), NO_GPUS, LEASE).admitted
    assert store.redis.hexists(keys.PARKED, older) is False


def test_a_slot_whose_lease_ran_out_is_free_again(store: LogStore, slots: Slots) -> None:
    lost, waiter = _tasks(store, 2)
    slots.acquire(_ask(lost), _spec(lost), NO_GPUS, 0.2)  # its worker is never heard of again
    assert not slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE).admitted
    time.sleep(0.3)
    assert [t for t, _s in slots.wake(queue_scope("gpu"), 1, 10, 0)] == [waiter]
    assert slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE).admitted


def test_a_renewed_lease_keeps_the_slot(store: LogStore, slots: Slots) -> None:
    running, waiter = _tasks(store, 2)
    slots.acquire(_ask(running), _spec(running), NO_GPUS, 0.3)
    slots.renew(_ask(running), "w1", [], LEASE)
    time.sleep(0.4)
    assert not slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE).admitted


def test_a_woken_waiter_is_not_woken_again_within_the_quiet_time(
    store: LogStore, slots: Slots
) -> None:
    holder, waiter = _tasks(store, 2)
    slots.acquire(_ask(holder), _spec(holder), NO_GPUS, LEASE)
    slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE)
    slots.release(_ask(holder), "w1", [])
    assert len(slots.wake(queue_scope("gpu"), 1, 10, 30)) == 1
    assert slots.wake(queue_scope("gpu"), 1, 10, 30) == []
    assert len(slots.wake(queue_scope("gpu"), 1, 10, 0)) == 1  # a release wakes it regardless


def test_gpus_are_given_one_task_each_and_come_back_on_release(
    store: LogStore, slots: Slots
) -> None:
    pair, single, late = _tasks(store, 3)
    pool = ("w1", ["0", "1", "2"])
    two = Ask(pair, "gpu", [], 2)
    assert slots.acquire(two, _spec(pair), pool, LEASE).gpu_ids == ["0", "1"]
    assert slots.acquire(Ask(single, "gpu", [], 1), _spec(single), pool, LEASE).gpu_ids == ["2"]
    parked = slots.acquire(Ask(late, "gpu", [], 1), _spec(late), pool, LEASE)
    assert parked.blocked_by == [gpu_scope("gpu")]
    slots.release(two, "w1", ["0", "1"])
    assert [t for t, _s in slots.wake(gpu_scope("gpu"), 0, 2, 0)] == [late]
    assert slots.acquire(Ask(late, "gpu", [], 1), _spec(late), pool, LEASE).gpu_ids == ["0"]


def test_a_task_asking_more_gpus_than_its_worker_has_waits(store: LogStore, slots: Slots) -> None:
    (task,) = _tasks(store, 1)
    admission = slots.acquire(Ask(task, "gpu", [], 2), _spec(task), ("w1", ["0"]), LEASE)
    assert not admission.admitted
    assert [w.scope for w in slots.waiting(task, list(slots.scopes()))] == [gpu_scope("gpu")]


def test_a_cancelled_waiter_leaves_every_waiting_set(store: LogStore, slots: Slots) -> None:
    holder, waiter = _tasks(store, 2)
    slots.acquire(_ask(holder), _spec(holder), NO_GPUS, LEASE)
    slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE)
    assert slots.waiting(waiter, [queue_scope("gpu")])[0].position == 1
    slots.forget(waiter, _ask(waiter).scopes)
    assert slots.waiting(waiter, [queue_scope("gpu")]) == []
    assert slots.parked() == []


def _enqueued_together(store: LogStore, count: int, scope: str) -> list[str]:
    """Task ids created in one script call, in this order, each with its place in ``scope``'s
    line (as a batch to a limited queue is)."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    store.create_tasks([NewTask(task_id, "true", lines=(scope,)) for task_id in ids])
    return ids


def test_tasks_enqueued_in_one_instant_take_slots_in_enqueue_order_whoever_arrives_first(
    store: LogStore, slots: Slots
) -> None:
    first, second, third = _enqueued_together(store, 3, queue_scope("gpu"))
    # The younger ones reach a worker first: the older one is still ahead in line.
    assert not slots.acquire(_ask(third, limit=3), _spec(third), NO_GPUS, LEASE).admitted
    assert not slots.acquire(_ask(second, limit=3), _spec(second), NO_GPUS, LEASE).admitted
    assert slots.acquire(_ask(first, limit=3), _spec(first), NO_GPUS, LEASE).admitted
    woken = slots.wake(queue_scope("gpu"), 3, 10, 0)
    assert [task_id for task_id, _spec in woken] == [second, third]
    assert slots.acquire(_ask(third, limit=3), _spec(third), NO_GPUS, LEASE).blocked_by == [
        queue_scope("gpu")
    ]
    assert slots.acquire(_ask(second, limit=3), _spec(second), NO_GPUS, LEASE).admitted
    assert slots.acquire(_ask(third, limit=3), _spec(third), NO_GPUS, LEASE).admitted


def test_a_head_of_line_that_ended_unrun_no_longer_holds_the_line(
    store: LogStore, slots: Slots
) -> None:
    cancelled, waiter = _enqueued_together(store, 2, queue_scope("gpu"))
    assert not slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE).admitted
    store.redis.hset(keys.task(cancelled), "state", "REVOKED")
    assert slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE).admitted
    assert store.redis.zrange(keys.slot_line(queue_scope("gpu")), 0, -1) == []


def test_a_head_whose_message_never_arrives_gives_way_after_a_lease(
    store: LogStore, slots: Slots
) -> None:
    _lost, waiter = _enqueued_together(store, 2, queue_scope("gpu"))
    assert not slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, LEASE).admitted
    time.sleep(0.3)
    assert slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, 0.2).admitted


def test_a_parked_head_keeps_its_place_however_long_it_waits(store: LogStore, slots: Slots) -> None:
    holder, head, waiter = _enqueued_together(store, 3, queue_scope("gpu"))
    assert slots.acquire(_ask(holder), _spec(holder), NO_GPUS, LEASE).admitted
    assert not slots.acquire(_ask(head), _spec(head), NO_GPUS, LEASE).admitted
    time.sleep(0.3)
    slots.release(_ask(holder), "w1", [])
    assert not slots.acquire(_ask(waiter), _spec(waiter), NO_GPUS, 0.2).admitted
