"""Streamed logs (``/tasks/ID/log``, ``/permlog?format=text``): read a bounded piece at a time."""

from __future__ import annotations

import pytest

from joblook import record
from joblook.record import OutputRecord, State
from joblook.store.logstore import LogStore
from tests.unit.web.conftest import AppFactory

TASK = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
LINE = "x" * (64 * 1024 - 1) + "\n"  # 64 KiB a record, as a chatty program's long lines are
RECORDS = 40
CAP = 256 * 1024


@pytest.fixture
def big_log(store: LogStore) -> None:
    store.create_task(TASK, "print big lines")
    now = record.timestamp()
    lines = [OutputRecord(TASK, seq, now, record.STDOUT, LINE) for seq in range(1, RECORDS + 1)]
    store.append([*lines, record.status(TASK, RECORDS + 1, State.SUCCESS, 0, "exited")])


@pytest.mark.parametrize(
    "path",
    [
        f"/tasks/{TASK}/log",
        f"/tasks/{TASK}/log?format=jsonl",
        f"/permlog?task_id={TASK}&format=text",
    ],
)
def test_a_streamed_log_is_read_no_more_than_a_live_event_at_a_time(
    make_app: AppFactory, big_log: None, path: str
) -> None:
    app = make_app(JOBLOOK_FEED_EVENT_BYTES=str(CAP))
    with app.test_client() as client:
        reply = client.get(path, buffered=False)
        pieces = [piece if isinstance(piece, bytes) else piece.encode() for piece in reply.response]
    assert len(pieces) > 1
    assert max(len(piece) for piece in pieces) <= CAP
    assert b"".join(pieces).count(b"x" * 1024) >= RECORDS * 63  # and all of it arrives
