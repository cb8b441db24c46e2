"""The log directory does not grow for ever: a task's file goes once the store holds all of it,
and the shipper forgets its position."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

from tests.support.stack import running_stack
from tests.support.waiting import wait_for


def test_task_files_are_deleted_once_stored_and_their_positions_dropped(tmp_path: Path) -> None:
    with running_stack(tmp_path, extra_env={"JOBLOOK_FILE_RETENTION": "1"}) as stack:
        task_ids = [stack.enqueue(f"seq 1 {n * 1000}") for n in range(1, 4)]
        files = [stack.data_dir / "logs" / f"{task_id}.jsonl" for task_id in task_ids]
        wait_for(lambda: all(f.exists() for f in files), 30, "the task files to appear")
        logs = [stack.wait_finished(task_id) for task_id in task_ids]
        wait_for(lambda: not any(f.exists() for f in files), 30, "the files to be deleted")
        positions = stack.data_dir / "shipper" / "positions.json"

        def forgotten() -> bool:
            known = orjson.loads(positions.read_bytes())["files"]
            return not {f.name for f in files} & known.keys()

        wait_for(forgotten, 30, "the shipper to drop their positions")
        for n, (task_id, log) in enumerate(zip(task_ids, logs, strict=True), 1):
            again = stack.permlog(task_id)
            assert again["last_seq"] == log["last_seq"] == n * 1000 + 2  # STARTED, lines, end
            assert again["state"] == "SUCCESS"


def test_a_quiet_running_task_keeps_its_file(tmp_path: Path) -> None:
    with running_stack(tmp_path, extra_env={"JOBLOOK_FILE_RETENTION": "1"}) as stack:
        task_id = stack.enqueue("echo started; sleep 30")
        path: Path = stack.data_dir / "logs" / f"{task_id}.jsonl"
        wait_for(lambda: stack.permlog(task_id)["last_seq"] >= 2, 30, "the first line")
        time.sleep(3)  # unchanged for three times the retention: six sweeps pass it over
        assert path.exists()
