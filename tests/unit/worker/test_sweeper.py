"""Task files go once the store holds all of them, and not a moment before."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from joblook import record
from joblook.record import State
from joblook.store.logstore import LogStore
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.sweeper import sweep


def task_file(logs_dir: Path, *, finished: bool, age: float = 3600) -> tuple[str, Path]:
    task_id = str(uuid.uuid4())
    with TaskLogWriter(logs_dir, task_id) as log:
        log.write_status(State.STARTED, None, "started on here")
        log.write_output("stdout", ["one\n", "two\n"])
        if finished:
            log.write_status(State.SUCCESS, 0, "exited with code 0")
    path = log.path
    os.utime(path, (path.stat().st_atime - age, path.stat().st_mtime - age))
    return task_id, path


def store_all(store: LogStore, path: Path, upto: int | None = None) -> None:
    records = [record.from_json(line) for line in path.read_bytes().splitlines()]
    store.append(records[:upto])


def test_a_finished_file_the_store_holds_in_full_is_deleted(
    store: LogStore, tmp_path: Path
) -> None:
    _task_id, path = task_file(tmp_path, finished=True)
    store_all(store, path)
    assert sweep(tmp_path, store, retention=60) == [path]
    assert not path.exists()


def test_a_file_whose_last_records_are_not_stored_yet_stays(
    store: LogStore, tmp_path: Path
) -> None:
    _task_id, path = task_file(tmp_path, finished=True)
    store_all(store, path, upto=3)  # the terminal status is still on its way
    assert sweep(tmp_path, store, retention=60) == []
    assert path.exists()


def test_a_running_task_file_stays(store: LogStore, tmp_path: Path) -> None:
    _task_id, path = task_file(tmp_path, finished=False)
    store_all(store, path)
    assert sweep(tmp_path, store, retention=60) == []


def test_a_file_written_within_the_retention_time_stays(store: LogStore, tmp_path: Path) -> None:
    _task_id, path = task_file(tmp_path, finished=True, age=0)
    store_all(store, path)
    assert sweep(tmp_path, store, retention=60) == []
