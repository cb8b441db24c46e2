"""Restarts: graceful or ``kill -9``, the shipper resumes from its positions file."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from joblook import record
from joblook.settings import Settings
from joblook.shipper.positions import PositionStore
from tests.support.processes import JOBLOOK
from tests.support.waiting import wait_for
from tests.unit.shipper.shipper_fakes import ShipperThread, SyncServer, TaskLog

StartShipper = Callable[..., ShipperThread]
StartProcess = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
def start_process(
    tmp_path: Path, settings: Settings, sync_server: SyncServer
) -> Iterator[StartProcess]:
    """Start ``joblook shipper`` processes (output in tmp_path); any left are killed at the end."""
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "JOBLOOK_DATA_DIR": str(settings.data_dir),
        "JOBLOOK_SYNC_URL": sync_server.url,
    }

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / f"shipper-{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [*JOBLOOK, "shipper"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_a_restart_resumes_without_resending_acknowledged_lines(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    task, finished = new_task(), new_task()
    first = [*task.output(10), *finished.output(2), finished.finish()]
    shipper = start_shipper()
    wait_for(lambda: len(sync_server.records()) == 13, 5, "13 lines")
    shipper.stop()
    later = task.output(5)  # written while no shipper runs
    start_shipper()
    wait_for(lambda: len(sync_server.records()) >= 18, 5, "the 5 later lines")
    assert sorted(sync_server.records()) == sorted([*first, *later])
    assert sync_server.batches[-1] == later


def test_an_unreadable_positions_file_means_resending_not_skipping(
    sync_server: SyncServer,
    settings: Settings,
    start_shipper: StartShipper,
    new_task: Callable[[], TaskLog],
) -> None:
    lines = new_task().output(4, one_write=True)
    shipper = start_shipper()
    wait_for(lambda: len(sync_server.records()) == 4, 5, "4 lines")
    shipper.stop()
    settings.positions_file.write_bytes(b'{"files": {"x.jsonl": [1')  # cut short
    start_shipper()
    wait_for(lambda: len(sync_server.records()) == 8, 5, "4 lines again")
    assert sync_server.records() == lines + lines


def test_sigterm_saves_positions_and_exits_0(
    tmp_path: Path,
    sync_server: SyncServer,
    settings: Settings,
    start_process: StartProcess,
    new_task: Callable[[], TaskLog],
) -> None:
    process = start_process()
    task = new_task()
    task.output(3)
    wait_for(lambda: len(sync_server.records()) == 3, 5, "3 lines")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    position = PositionStore(settings.positions_file).load()[task.path.name]
    assert position.offset == task.path.stat().st_size
    output = (tmp_path / "shipper-0.log").read_text()
    assert f"shipping {settings.logs_dir}/*.jsonl to {sync_server.url}" in output


def test_a_second_sigterm_abandons_the_post_in_flight(
    sync_server: SyncServer, start_process: StartProcess, new_task: Callable[[], TaskLog]
) -> None:
    sync_server.delay = 30.0  # a server that hangs
    process = start_process()
    new_task().output(1)
    wait_for(lambda: sync_server.started_requests, 5, "a POST in flight")
    process.send_signal(signal.SIGTERM)
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.3)  # the first one lets the POST finish
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0


def test_a_second_shipper_on_the_same_data_refuses_to_start(
    start_process: StartProcess, sync_server: SyncServer, new_task: Callable[[], TaskLog]
) -> None:
    first = start_process()
    new_task().output(1)
    wait_for(sync_server.records, 5, "the first shipper at work")
    assert start_process().wait(timeout=10) == 1
    assert first.poll() is None


def test_kill_9_mid_stream_then_restart_loses_nothing(
    sync_server: SyncServer, start_process: StartProcess, new_task: Callable[[], TaskLog]
) -> None:
    tasks = [new_task() for _ in range(4)]
    sync_server.delay = 0.002  # so that a POST is likely in flight when the shipper dies
    process = start_process()
    first = tasks[0].output(1)
    wait_for(lambda: sync_server.records() == first, 30, "the shipper to start")
    stop = threading.Event()
    writer = threading.Thread(target=_write_steadily, args=(tasks, stop, 10))
    writer.start()
    try:
        wait_for(lambda: len(sync_server.records()) > 2000, 30, "2000 lines")
        process.kill()
        process.wait()
        assert writer.is_alive(), "the stream ended before the kill"
        shipped_before_the_kill = len(sync_server.records())
    finally:
        stop.set()
        writer.join()
    written = [line for task in tasks for line in task.lines]
    start_process()
    wait_for(lambda: set(sync_server.records()) >= set(written), 30, "every line")
    first_copies: dict[tuple[str, int], bytes] = {}
    for line in sync_server.records():
        shipped = record.from_json(line)
        first_copies.setdefault((shipped.task_id, shipped.seq), line)
    assert sorted(first_copies.values()) == sorted(written)
    resent = len(sync_server.records()) - len(written)
    assert resent < shipped_before_the_kill, "the restart did not resume from the positions"


def _write_steadily(
    tasks: list[TaskLog], stop: threading.Event, per_write: int, most: int = 100_000
) -> None:
    """Interleave writes to every task, about 10,000 lines a second in all, until told to stop
    (or ``most`` lines were written to each)."""
    for _ in range(most // per_write):
        if stop.is_set():
            return
        for task in tasks:
            task.output(per_write, one_write=True)
        time.sleep(0.004)
