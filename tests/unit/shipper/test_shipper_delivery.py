"""What reaches /sync, when, and what happens when /sync says no."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from joblook import record
from joblook.retry import Backoff
from joblook.settings import Settings
from tests.support.processes import free_port
from tests.support.waiting import wait_for
from tests.unit.shipper.shipper_fakes import (
    TOKEN,
    ShipperThread,
    SyncServer,
    TaskLog,
    settings_for,
)

StartShipper = Callable[..., ShipperThread]


def test_a_lone_line_is_sent_by_itself_without_waiting_for_more(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    # How soon is measured, not asserted: make bench BENCH_ARGS="--only follow" (a lone line).
    start_shipper()
    task = new_task()
    task.output(1)  # the file's creation is the first thing the shipper hears of it
    wait_for(sync_server.records, 5, "the first line")
    for _ in range(5):
        (line,) = task.output(1)
        wait_for(lambda line=line: line in sync_server.records(), 5, "a line", 0.001)
    assert [len(batch) for batch in sync_server.batches] == [1] * 6


def test_lines_written_during_a_request_form_the_next_batch(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    sync_server.delay = 0.3
    start_shipper()
    task = new_task()
    first = task.output(1)
    wait_for(lambda: sync_server.started_requests == 1, 5, "the first request")
    during = task.output(99)  # 99 separate writes while the first POST is in flight
    wait_for(lambda: len(sync_server.records()) == 100, 5, "all 100 lines")
    assert sync_server.batches == [first, during]


def test_posts_a_json_array_with_the_bearer_token(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    start_shipper()
    new_task().output(3, one_write=True)
    wait_for(lambda: len(sync_server.records()) == 3, 5, "3 lines")
    headers = sync_server.headers[0]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Content-Type"] == "application/json"


def test_sends_no_authorization_header_without_a_token(
    tmp_path: Path, sync_server: SyncServer, start_shipper: StartShipper
) -> None:
    settings = settings_for(tmp_path / "data", sync_server.url, token=None)
    start_shipper(settings)
    TaskLog(settings.logs_dir).output(1)
    wait_for(sync_server.records, 5, "a line")
    assert "Authorization" not in sync_server.headers[0]


@pytest.mark.parametrize("status", [503, 500, 429, 408, 401, 403, 404, 409])
def test_retries_on_a_failing_answer_then_delivers_everything_in_order(
    status: int,
    sync_server: SyncServer,
    start_shipper: StartShipper,
    new_task: Callable[[], TaskLog],
) -> None:
    sync_server.fail_next(3, status)
    shipper = start_shipper()
    task = new_task()
    written = task.output(20)
    wait_for(lambda: shipper.shipper.backoff.failures >= 3, 5, "3 failed attempts")
    written += task.output(20)
    wait_for(lambda: len(sync_server.records()) >= 40, 5, "40 lines")
    assert sync_server.records() == written


def test_retries_while_the_server_is_down_then_delivers_everything_in_order(
    tmp_path: Path, start_shipper: StartShipper
) -> None:
    server = SyncServer(free_port())  # not started: connections are refused
    settings = settings_for(tmp_path / "data", server.url)
    shipper = start_shipper(settings)
    task = TaskLog(settings.logs_dir)
    written = task.output(10)
    wait_for(lambda: shipper.shipper.backoff.failures >= 3, 5, "refused attempts")
    written += task.output(10)
    server.start()
    try:
        wait_for(lambda: len(server.records()) >= 20, 5, "20 lines")
        assert server.records() == written
    finally:
        server.stop()


def test_a_batch_too_large_is_split_until_it_fits(
    sync_server: SyncServer, settings: Settings, new_task: Callable[[], TaskLog]
) -> None:
    sync_server.max_records = 30
    task = new_task()
    written = task.output(100, one_write=True)  # before the start: one batch of 100
    shipper = ShipperThread(settings)
    try:
        wait_for(lambda: len(sync_server.records()) == 100, 5, "100 lines")
    finally:
        shipper.stop()
    assert sync_server.records() == written
    assert all(len(batch) <= 30 for batch in sync_server.batches)
    assert not shipper.shipper.rejected_file.exists()


def test_a_malformed_line_is_set_aside_and_the_others_arrive(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    task = new_task()
    good = task.output(40, one_write=True)
    task.raw(b'{"not": "a record"}\n')
    good += task.output(40, one_write=True)
    task.raw(b"not json at all\n")
    good += task.output(1)
    shipper = start_shipper()
    wait_for(lambda: len(sync_server.records()) == 81, 5, "the 81 good lines")
    assert sync_server.records() == good
    rejected = shipper.shipper.rejected_file.read_bytes()
    assert rejected == b'{"not": "a record"}\nnot json at all\n'


def test_blank_lines_do_not_break_a_batch(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    task = new_task()
    lines = task.output(2, one_write=True)
    task.raw(b"\n\n")
    lines += task.output(2, one_write=True)
    shipper = start_shipper()
    wait_for(lambda: len(sync_server.records()) == 4, 5, "4 lines")
    assert sync_server.batches == [lines]
    assert not shipper.shipper.rejected_file.exists()


def test_lines_are_sent_byte_for_byte(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    task = new_task()
    output = record.OutputRecord(
        task.task_id, 1, record.timestamp(), record.STDOUT, "h\u00e9 \u2603\n"
    )
    line = record.encode(output).replace(b'":', b'":  ')  # spacing a re-encoder would drop
    task.raw(line + b"\n")
    start_shipper()
    wait_for(lambda: sync_server.bodies, 5, "the line")
    assert sync_server.bodies == [b"[" + line + b"]"]


def test_stopping_cuts_a_backoff_short(tmp_path: Path, start_shipper: StartShipper) -> None:
    settings = settings_for(tmp_path / "data", SyncServer(free_port()).url)  # never up
    shipper = start_shipper(settings, backoff=Backoff(first=60.0, cap=60.0))
    TaskLog(settings.logs_dir).output(1)
    wait_for(lambda: shipper.shipper.backoff.failures, 5, "a failed attempt")
    stopping = time.monotonic()
    shipper.stop()
    # A hang guard on behaviour, not a speed claim: without the cut the stop waits out 60 s.
    assert time.monotonic() - stopping < 15


def test_a_single_line_too_large_for_the_server_is_set_aside(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    sync_server.max_records = 0  # 413 for anything
    task = new_task()
    line = task.output(1)[0]
    shipper = start_shipper()
    rejected = shipper.shipper.rejected_file
    wait_for(lambda: rejected.exists() and rejected.read_bytes(), 5, "the rejected line")
    assert shipper.shipper.rejected_file.read_bytes() == line + b"\n"
    assert sync_server.records() == []
