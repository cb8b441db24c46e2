"""Creating tasks in bulk (create.lua): every task recorded, indexed, and its message queued in
order, across the script's chunks."""

from __future__ import annotations

from joblook import keys, record
from joblook.store.logstore import LogStore, NewTask

QUEUE = "celery"


def test_a_bulk_create_records_indexes_and_queues_every_task_in_order(store: LogStore) -> None:
    ids = record.new_task_ids(2_500)  # more than two of the script's 1,000-value chunks
    parent = ids[0]
    tasks = [NewTask(i, f"echo {n}", 5.0 if n % 2 else None, parent, '{"n": 1}') for n, i in
             enumerate(ids)]  # fmt: skip
    created = store.create_tasks(tasks, QUEUE, [i.encode() for i in ids])
    assert store.redis.zcard(keys.TASKS) == 2_500
    assert [m.decode() for m in reversed(store.redis.lrange(QUEUE, 0, -1))] == ids
    first, second = store.tasks(ids[:2])
    assert first is not None and second is not None
    assert (first.cmd, first.state, first.timeout, first.created_at) == ("echo 0", "PENDING",
                                                                         None, created)  # fmt: skip
    assert (second.timeout, second.parent, second.params) == (5.0, parent, {"n": 1})


def test_a_task_without_parent_or_params_has_neither_field(store: LogStore) -> None:
    task_id = record.new_task_id()
    store.create_task(task_id, "true")
    fields = store.redis.hgetall(keys.task(task_id))
    assert b"parent" not in fields and b"params" not in fields and fields[b"state"] == b"PENDING"
    assert store.redis.zscore(keys.TASKS, task_id) is not None


def test_a_bulk_create_works_after_redis_forgot_its_scripts(store: LogStore) -> None:
    store.create_task(record.new_task_id(), "true")
    store.redis.script_flush()  # as a restarted Redis has
    store.create_tasks([NewTask(task_id := record.new_task_id(), "true")], QUEUE, [b"m"])
    assert store.task(task_id) is not None and store.redis.lrange(QUEUE, 0, -1) == [b"m"]
