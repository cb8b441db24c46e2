"""Creating tasks in bulk (create.lua): every task recorded with its fields, indexed, watched
when retried, and its message queued on its own queue in order, across the script's chunks."""

from __future__ import annotations

from joblook import keys, record
from joblook.store.logstore import LogStore, NewTask

QUEUE = "celery"


def test_a_bulk_create_records_indexes_and_queues_every_task_in_order(store: LogStore) -> None:
    ids = record.new_task_ids(2_500)  # more than two of the script's 1,000-value chunks
    parent = ids[0]
    tasks = [NewTask(i, f"echo {n}", 5.0 if n % 2 else None, parent, '{"n": 1}') for n, i in
             enumerate(ids)]  # fmt: skip
    created = store.create_tasks(tasks, [(QUEUE, i.encode()) for i in ids])
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
    store.create_tasks([NewTask(task_id := record.new_task_id(), "true")], [(QUEUE, b"m")])
    assert store.task(task_id) is not None and store.redis.lrange(QUEUE, 0, -1) == [b"m"]


def test_each_task_keeps_its_own_fields_and_only_retried_ones_are_watched(
    store: LogStore,
) -> None:
    plain, retried = record.new_task_ids(2)
    store.create_tasks([
        NewTask(plain, "true", fields={"queue": "celery", "gpus": "0", "definition": "{}"}),
        NewTask(retried, "false", fields={"queue": "gpu", "gpus": "2", "retries": "3"}),
    ])  # fmt: skip
    one, two = store.tasks([plain, retried])
    assert one is not None and two is not None
    assert (one.queue, one.gpus, one.definition, one.retries) == ("celery", 0, {}, None)
    assert (two.queue, two.gpus, two.retries) == ("gpu", 2, 3)
    assert store.redis.smembers(keys.RETRY_WATCH) == {retried.encode()}


def test_each_message_goes_to_its_own_queue_in_order(store: LogStore) -> None:
    ids = record.new_task_ids(4)
    queues = ["celery", "gpu", "gpu", "celery"]
    store.create_tasks(
        [NewTask(i, "true") for i in ids],
        [(q, i.encode()) for q, i in zip(queues, ids, strict=True)],
    )
    assert store.redis.lrange("celery", 0, -1) == [ids[3].encode(), ids[0].encode()]
    assert store.redis.lrange("gpu", 0, -1) == [ids[2].encode(), ids[1].encode()]
