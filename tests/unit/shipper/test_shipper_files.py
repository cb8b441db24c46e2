"""How log files are followed: new, partial, replaced, truncated and finished ones."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from joblook.settings import Settings
from joblook.shipper.positions import PositionStore
from tests.support.waiting import wait_for
from tests.unit.shipper.shipper_fakes import ShipperThread, SyncServer, TaskLog

StartShipper = Callable[..., ShipperThread]


def test_files_written_before_the_start_are_shipped(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    tasks = [new_task() for _ in range(3)]
    written = {line for task in tasks for line in task.output(5, one_write=True)}
    start_shipper()
    wait_for(lambda: len(sync_server.records()) == 15, 5, "15 lines")
    assert set(sync_server.records()) == written


def test_a_file_moved_into_the_directory_is_shipped(
    sync_server: SyncServer, settings: Settings, start_shipper: StartShipper
) -> None:
    start_shipper()
    TaskLog(settings.logs_dir).output(1)
    wait_for(sync_server.records, 5, "the shipper at work")
    task = TaskLog(settings.data_dir)  # written elsewhere, then renamed in (IN_MOVED_TO)
    lines = task.output(3)
    os.replace(task.path, settings.logs_dir / task.path.name)
    wait_for(lambda: len(sync_server.records()) == 4, 0.5, "3 more lines")
    assert sync_server.records()[1:] == lines


def test_a_partial_line_waits_for_its_newline(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    start_shipper()
    task = new_task()
    first, second = task.next_lines(2)
    task.raw(first + b"\n" + second[:10])  # the second line is half written
    wait_for(sync_server.records, 5, "the first line")
    assert sync_server.records() == [first]
    task.raw(second[10:])
    other = new_task()
    other.output(1)  # once this arrives, the shipper has seen the unterminated line again
    wait_for(lambda: len(sync_server.records()) == 2, 5, "the other task's line")
    assert second not in sync_server.records()
    task.raw(b"\n")
    wait_for(lambda: second in sync_server.records(), 5, "the completed line")
    assert sync_server.records().count(second) == 1


def test_a_replaced_file_is_read_again_from_the_start(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    start_shipper()
    task = new_task()
    before = task.output(3, one_write=True)
    wait_for(lambda: len(sync_server.records()) == 3, 5, "3 lines")
    replacement = task.path.with_suffix(".tmp")
    newer = [before[0] + b" ", before[1] + b"  "]  # same records, other bytes: a new inode
    replacement.write_bytes(b"".join(line + b"\n" for line in newer))
    os.replace(replacement, task.path)
    wait_for(lambda: len(sync_server.bodies) == 2, 5, "the replaced file")
    assert sync_server.bodies[1] == b"[" + b",".join(newer) + b"]"


def test_a_truncated_file_is_read_again_from_the_start(
    sync_server: SyncServer, start_shipper: StartShipper, new_task: Callable[[], TaskLog]
) -> None:
    start_shipper()
    task = new_task()
    before = task.output(3, one_write=True)
    wait_for(lambda: len(sync_server.records()) == 3, 5, "3 lines")
    with task.path.open("r+b") as out:  # same inode, shorter than what was read
        out.truncate(0)
        out.write(before[0] + b"\n")
    wait_for(lambda: len(sync_server.records()) == 4, 5, "the truncated file's line")
    assert sync_server.records() == [*before, before[0]]


def test_a_finished_task_is_marked_done_and_no_longer_followed(
    sync_server: SyncServer,
    settings: Settings,
    start_shipper: StartShipper,
    new_task: Callable[[], TaskLog],
) -> None:
    start_shipper()
    task = new_task()
    lines = [*task.output(2), task.finish()]
    wait_for(lambda: len(sync_server.records()) == 3, 5, "the task's lines")
    store = PositionStore(settings.positions_file)
    position = wait_for(
        lambda: (saved := store.load().get(task.path.name)) and saved.done and saved,
        5,
        "the task saved as done",
    )
    assert position.offset == task.path.stat().st_size
    task.raw(b"a line after the end\n")
    later = new_task()
    later.output(1)
    wait_for(lambda: len(sync_server.records()) == 4, 5, "another task's line")
    assert sync_server.records()[:3] == lines
    assert sync_server.records()[3] == later.lines[0]


def test_a_removed_logs_directory_is_made_again_and_followed(
    sync_server: SyncServer, settings: Settings, start_shipper: StartShipper
) -> None:
    start_shipper()
    TaskLog(settings.logs_dir).output(1)
    wait_for(sync_server.records, 5, "the first line")
    shutil.rmtree(settings.logs_dir)
    wait_for(settings.logs_dir.is_dir, 5, "the shipper to make the directory again")
    lines = TaskLog(settings.logs_dir).output(2)
    wait_for(lambda: len(sync_server.records()) == 3, 0.5, "the new task's lines")
    assert sync_server.records()[1:] == lines
