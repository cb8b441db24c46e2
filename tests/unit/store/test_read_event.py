"""Reading one live event's worth of records: bounded by count and by bytes, never empty."""

from __future__ import annotations

from joblook.store.logstore import LogStore
from tests.unit.store.test_logstore import TASK, out


def _array_size(records: list[bytes]) -> int:
    return len(b"[" + b",".join(records) + b"]")


def test_an_event_stops_at_the_byte_budget_and_says_more_follow(store: LogStore) -> None:
    store.append([out(seq, "y" * 1000) for seq in range(1, 101)])
    records, more = store.read_event(TASK, 0, limit=5000, max_bytes=20_000)
    assert more
    assert len(records) > 0 and _array_size(records) <= 20_000
    rest, more = store.read_event(TASK, len(records), limit=5000, max_bytes=20_000)
    assert _array_size(rest) <= 20_000
    assert records + rest == store.read(TASK, 0, len(records) + len(rest))


def test_an_event_stops_at_the_count_or_at_the_end_of_the_log(store: LogStore) -> None:
    store.append([out(seq, "z") for seq in range(1, 31)])
    assert store.read_event(TASK, 0, limit=20, max_bytes=1 << 20) == (store.read(TASK, 0, 20), True)
    assert store.read_event(TASK, 20, limit=20, max_bytes=1 << 20) == (store.read(TASK, 20), False)
    assert store.read_event(TASK, 30, limit=20, max_bytes=1 << 20) == ([], False)


def test_a_record_bigger_than_the_budget_still_goes_out_alone(store: LogStore) -> None:
    store.append([out(1, "x" * 50_000), out(2, "small")])
    assert store.read_event(TASK, 0, limit=5000, max_bytes=10_000) == (store.read(TASK, 0, 1), True)
