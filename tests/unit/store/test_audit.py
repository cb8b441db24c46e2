"""The audit trail in a real Redis: newest first, entries past JOBLOOK_AUDIT_TTL dropped."""

from __future__ import annotations

import time

from joblook import keys
from joblook.store.audit import CANCEL, RUN, Audit
from joblook.store.logstore import LogStore


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
