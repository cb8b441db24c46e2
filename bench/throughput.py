"""Throughput: ``seq 1 N`` through the whole pipeline (worker -> file -> shipper -> /sync ->
store -> Socket.IO). Time from the enqueue until the store holds every record, and until a
subscribed client has every record; then every record is checked, in the store and at the client:
seqs 1..N+2 in order, and line k's text is exactly ``k\\n``."""

from __future__ import annotations

import time
from typing import Any

from bench.stack import Stack, store_of
from bench.stats import rate
from bench.subscriber import Subscriber
from joblook.record import STDOUT
from joblook.store.logstore import LogStore, decode_records

STORE_POLL = 0.01  # seconds between looks at the store's record count
READ_CHUNK = 100_000


class Checker:
    """Checks records as they come: the next expected seq, and the text of each output line."""

    def __init__(self) -> None:
        self.next_seq = 1
        self.bad = 0  # out of order, missing or with the wrong text
        self.last_arrival = 0.0

    def check(self, records: list[dict[str, Any]], arrived: float = 0.0) -> None:
        expected = self.next_seq
        bad = 0
        for r in records:
            seq = r["seq"]
            if seq != expected or (r["stream"] == STDOUT and r["log"] != f"{seq - 1}\n"):
                bad += 1
            expected = seq + 1
        self.next_seq = expected
        self.bad += bad
        self.last_arrival = arrived


def run(stack: Stack, lines: int, timeout: float) -> dict[str, Any]:
    total = lines + 2  # STARTED, the lines, SUCCESS
    client = Checker()
    store = store_of(stack)
    try:
        with Subscriber(stack.base_url, client.check) as viewer:
            start = time.time()
            task_id = stack.enqueue(f"seq 1 {lines}")
            viewer.subscribe(task_id)
            stored_at = _wait_stored(store, task_id, total, start + timeout)
            viewer.wait_finished(task_id, max(1.0, start + timeout - time.time()))
            dropped = viewer.disconnected
        in_store = _check_store(store, task_id)
    finally:
        store.redis.close()
    to_store, to_client = stored_at - start, client.last_arrival - start
    return {
        "lines": lines,
        "seconds_to_store": round(to_store, 3),
        "seconds_to_subscriber": round(to_client, 3),
        "store_lines_per_s": rate(lines, to_store),
        "subscriber_lines_per_s": rate(lines, to_client),
        "stored_records": in_store.next_seq - 1,
        "lost_in_store": total - (in_store.next_seq - 1) + in_store.bad,
        "lost_at_subscriber": total - (client.next_seq - 1) + client.bad,
        "subscriber_disconnected": dropped,
    }


def _wait_stored(store: LogStore, task_id: str, total: int, deadline: float) -> float:
    while store.last_seq(task_id) < total and time.time() < deadline:
        time.sleep(STORE_POLL)
    return time.time()


def _check_store(store: LogStore, task_id: str) -> Checker:
    checker = Checker()
    offset = 0
    while raw := store.read(task_id, offset, limit=READ_CHUNK):
        checker.check(decode_records(raw))
        offset += len(raw)
    return checker
