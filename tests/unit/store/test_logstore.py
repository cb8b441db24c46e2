"""The permanent log: exactly once, in seq order, however records arrive."""

from __future__ import annotations

import datetime as dt
import time

import orjson

from joblook import keys, record
from joblook.record import OutputRecord, State
from joblook.store.logstore import LogStore, decode_records

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
OTHER = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def out(seq: int, text: str = "", task_id: str = TASK) -> OutputRecord:
    return OutputRecord(task_id, seq, record.timestamp(), record.STDOUT, text or f"line {seq}\n")


def stored_seqs(store: LogStore, task_id: str = TASK) -> list[int]:
    return [r["seq"] for r in decode_records(store.read(task_id))]


def test_records_are_stored_in_seq_order_and_read_back_unchanged(store: LogStore) -> None:
    records = [out(1, "a\n"), out(2, "b\r"), out(3, "ü\n")]
    assert store.append(records).stored == 3
    assert decode_records(store.read(TASK)) == [orjson.loads(record.encode(r)) for r in records]


def test_a_resent_batch_changes_nothing(store: LogStore) -> None:
    batch = [out(seq) for seq in range(1, 101)]
    assert store.append(batch).stored == 100
    assert store.append(batch).stored == 0
    assert store.append(batch[40:60]).stored == 0
    assert stored_seqs(store) == list(range(1, 101))


def test_records_ahead_of_a_gap_wait_until_the_gap_fills(store: LogStore) -> None:
    assert store.append([out(4), out(5)]).stored == 0
    assert store.last_seq(TASK) == 0
    assert store.append([out(1), out(2)]).stored == 2
    assert store.append([out(3)]).stored == 3  # 3 itself, then the parked 4 and 5
    assert stored_seqs(store) == [1, 2, 3, 4, 5]


def test_a_batch_may_mix_tasks_and_arrive_shuffled(store: LogStore) -> None:
    batch = [out(2), out(1, task_id=OTHER), out(1), out(3), out(2, task_id=OTHER)]
    assert store.append(batch).stored == 5
    assert stored_seqs(store) == [1, 2, 3]
    assert stored_seqs(store, OTHER) == [1, 2]


def test_read_after_seq_returns_only_later_records_with_a_limit(store: LogStore) -> None:
    store.append([out(seq) for seq in range(1, 11)])
    assert [r["seq"] for r in decode_records(store.read(TASK, after_seq=7))] == [8, 9, 10]
    assert [r["seq"] for r in decode_records(store.read(TASK, after_seq=2, limit=3))] == [3, 4, 5]
    assert store.read(TASK, after_seq=10) == []


def test_status_records_move_the_task_through_its_states(store: LogStore) -> None:
    store.create_task(TASK, "make train")
    info = store.task(TASK)
    assert info is not None
    assert (info.cmd, info.state, info.exit_code) == ("make train", "PENDING", None)
    store.append([record.status(TASK, 1, State.STARTED, None), out(2)])
    info = store.task(TASK)
    assert info is not None
    assert (info.state, info.started_at is not None, info.finished_at) == ("STARTED", True, None)
    store.append([record.status(TASK, 3, State.FAILURE, 3, "exited with code 3")])
    info = store.task(TASK)
    assert info is not None
    assert (info.state, info.exit_code, info.records) == ("FAILURE", 3, 3)
    assert info.finished_at is not None


def test_a_status_record_parked_behind_a_gap_still_sets_the_state(store: LogStore) -> None:
    store.create_task(TASK, "true")
    store.append([record.status(TASK, 2, State.SUCCESS, 0)])
    assert store.task(TASK).state == "PENDING"  # type: ignore[union-attr]
    store.append([record.status(TASK, 1, State.STARTED, None)])
    assert store.task(TASK).state == "SUCCESS"  # type: ignore[union-attr]
    assert store.task(TASK).exit_code == 0  # type: ignore[union-attr]


def test_an_unknown_task_is_none(store: LogStore) -> None:
    assert store.task(TASK) is None


def test_appending_publishes_the_new_last_seq(store: LogStore) -> None:
    pubsub = store.redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.APPENDED)
    pubsub.get_message(timeout=1)
    store.append([out(1), out(2)])
    store.append([out(2)])  # a duplicate: nothing new, so no message
    store.append([out(3)])
    messages = [pubsub.get_message(timeout=1) for _ in range(3)]
    pubsub.close()
    data = [m["data"].decode() for m in messages if m]
    assert data == [f"{TASK} 2", f"{TASK} 3"]


def test_a_large_batch_is_stored_whole(store: LogStore) -> None:
    assert store.append([out(seq) for seq in range(1, 25_001)]).stored == 25_000
    assert store.last_seq(TASK) == 25_000


def test_append_names_the_tasks_whose_state_changed(store: LogStore) -> None:
    assert store.append([out(1), out(1, task_id=OTHER)]).state_changed == []
    changed = store.append([record.status(TASK, 2, State.SUCCESS, 0), out(2, task_id=OTHER)])
    assert changed.state_changed == [TASK]


def test_tasks_are_listed_newest_first_and_page_by_creation_time(store: LogStore) -> None:
    ids = [record.new_task_id() for _ in range(5)]
    for task_id in ids:
        store.create_task(task_id, f"echo {task_id}")
        time.sleep(0.002)  # distinct creation times
    first_page = store.list_tasks(limit=3)
    assert [t.task_id for t in first_page] == ids[::-1][:3]
    cursor = dt.datetime.fromisoformat(first_page[-1].created_at.replace("Z", "+00:00")).timestamp()
    assert [t.task_id for t in store.list_tasks(limit=3, before=cursor)] == ids[::-1][3:]
