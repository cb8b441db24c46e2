"""A finished task with a log of any length, written straight through the store's append path
(as the web's /sync stores what shippers send), so a test or bench gets a 1,000,000-line log in
seconds instead of waiting for a command to print it through the whole pipeline."""

from __future__ import annotations

from collections.abc import Callable

import requests

from joblook import record
from joblook.record import OutputRecord, State
from joblook.store.logstore import LogStore

LINES_PER_RECORD = 10_000
RECORDS_PER_APPEND = 20


def numbered(n: int) -> str:
    return str(n)


def indexed(http: requests.Session, base_url: str, task_id: str) -> None:
    """Read the task's last line once, so the web builds its line index before a page is timed
    (records written past /sync are indexed on the first read)."""
    reply = http.get(f"{base_url}/tasks/{task_id}/lines", params={"tail": 1}, timeout=600)
    reply.raise_for_status()


def seed_log(
    redis_url: str,
    lines: int,
    text: Callable[[int], str] = numbered,
    cmd: str | None = None,
) -> str:
    """A new SUCCESS task whose stdout is ``text(1)`` .. ``text(lines)``, one per line."""
    task_id = record.new_task_id()
    store = LogStore.from_url(redis_url)
    try:
        store.create_task(task_id, cmd or f"seq 1 {lines}  # seeded")
        seq = 1
        batch: list[record.Record] = [record.status(task_id, seq, State.STARTED, None, "seeded")]
        for first in range(1, lines + 1, LINES_PER_RECORD):
            last = min(lines, first + LINES_PER_RECORD - 1)
            seq += 1
            log = "".join(f"{text(n)}\n" for n in range(first, last + 1))
            batch.append(OutputRecord(task_id, seq, record.timestamp(), record.STDOUT, log))
            if len(batch) >= RECORDS_PER_APPEND:
                store.append(batch)
                batch = []
        batch.append(record.status(task_id, seq + 1, State.SUCCESS, 0, "exited with code 0"))
        store.append(batch)
    finally:
        store.redis.close()
    return task_id
