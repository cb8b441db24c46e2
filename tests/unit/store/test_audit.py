"""The audit trail in a real Redis: newest first, entries past JOBLOOK_AUDIT_TTL dropped."""

from __future__ import annotations

import time

from joblook import keys, record
from joblook.store.audit import CANCEL, RUN, Audit
from joblook.store.logstore import LogStore, NewTask


def test_entries_come_newest_first_with_what_they_were_about(store: LogStore) -> None:
    audit = Audit(store.redis, ttl=3600)
    audit.add(RUN, "alice", "10.0.0.1", task_id="t1")
    audit.add(CANCEL, "bob", "10.0.0.2", task_id="t1", via="api")
    newest, oldest = audit.entries(10)
    assert (newest["action"], newest["actor"], newest["via"]) == (CANCEL, "bob", "api")
    assert (oldest["action"], oldest["address"], oldest["task_id"]) == (RUN, "10.0.0.1", "t1")
    assert audit.entries(10, before=newest["time"]) == [oldest]


def test_entries_older_than_the_ttl_are_neither_listed_nor_kept(store: LogStore) -> None:
    audit = Audit(store.redis, ttl=60)
    store.redis.zadd(keys.AUDIT, {b'{"action": "run"}': time.time() - 120})
    assert audit.entries(10) == []
    audit.add(RUN, "alice", None)
    assert store.redis.zcard(keys.AUDIT) == 1  # the old one dropped when the new one came


def test_an_entry_written_with_the_tasks_it_is_about_drops_old_ones_alike(store: LogStore) -> None:
    audit = Audit(store.redis, ttl=60)
    store.redis.zadd(keys.AUDIT, {b'{"action": "run"}': time.time() - 120})
    task_id = record.new_task_id()
    store.create_tasks(
        [NewTask(task_id, "true")], audit=audit.entry(RUN, "alice", None, task_id=task_id)
    )
    (entry,) = audit.entries(10)
    assert (entry["action"], entry["actor"], entry["task_id"]) == (RUN, "alice", task_id)
    assert store.redis.zcard(keys.AUDIT) == 1
    assert store.task(task_id) is not None


def test_tasks_created_without_an_entry_leave_the_audit_trail_alone(store: LogStore) -> None:
    store.create_tasks([NewTask(record.new_task_id(), "true")], [("celery", b"m")])
    assert store.redis.zcard(keys.AUDIT) == 0
    assert store.redis.lrange("celery", 0, -1) == [b"m"]
