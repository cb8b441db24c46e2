"""The per-task JSON-lines file the worker appends to."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from joblook.record import STATUS, STDERR, STDOUT, OutputRecord, State, StatusRecord, from_json
from joblook.worker.logfile import TaskLogWriter

TASK_ID = "5f0c8a1e-2b4d-4c6e-8f10-1a2b3c4d5e6f"


def read_records(path: Path) -> list[OutputRecord | StatusRecord]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return [from_json(line) for line in data.splitlines()]


def test_writer_creates_the_logs_dir_and_names_the_file_after_the_task(tmp_path: Path) -> None:
    logs = tmp_path / "data" / "logs"
    with TaskLogWriter(logs, TASK_ID) as log:
        log.write_status(State.STARTED, None)
    assert (logs / f"{TASK_ID}.jsonl").is_file()


def test_seq_is_contiguous_across_streams_and_status(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        log.write_status(State.STARTED, None, "started")
        log.write_output(STDOUT, ["a\n", "b\n"])
        log.write_output(STDERR, ["oops\n"])
        log.write_output(STDOUT, [])
        log.write_status(State.SUCCESS, 0, "exited with code 0")
        assert log.last_seq == 5
    records = read_records(tmp_path / f"{TASK_ID}.jsonl")
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert [r.stream for r in records] == [STATUS, STDOUT, STDOUT, STDERR, STATUS]
    assert all(r.task_id == TASK_ID for r in records)
    last = records[-1]
    assert isinstance(last, StatusRecord)
    assert (last.state, last.exit_code, last.log) == ("SUCCESS", 0, "exited with code 0")


def test_a_batch_is_one_write_with_one_timestamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[bytes] = []
    real_write = os.write

    def counting_write(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return real_write(fd, data)

    with TaskLogWriter(tmp_path, TASK_ID) as log:
        monkeypatch.setattr(os, "write", counting_write)
        log.write_output(STDOUT, [f"line {i}\n" for i in range(1000)])
        monkeypatch.undo()
    assert len(writes) == 1
    records = read_records(tmp_path / f"{TASK_ID}.jsonl")
    assert len(records) == 1000
    assert len({r.time for r in records}) == 1


def test_partial_os_writes_are_retried_until_the_batch_is_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write

    def short_write(fd: int, data: bytes) -> int:
        return real_write(fd, bytes(data)[:7])

    with TaskLogWriter(tmp_path, TASK_ID) as log:
        monkeypatch.setattr(os, "write", short_write)
        log.write_output(STDOUT, ["x" * 100 + "\n", "y\n"])
        monkeypatch.undo()
    assert [r.log for r in read_records(tmp_path / f"{TASK_ID}.jsonl")] == ["x" * 100 + "\n", "y\n"]


def test_redelivered_task_continues_seq_after_the_existing_file(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        log.write_status(State.STARTED, None)
        log.write_output(STDOUT, ["first run\n"])
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        assert log.last_seq == 2
        log.write_status(State.STARTED, None)
    records = read_records(tmp_path / f"{TASK_ID}.jsonl")
    assert [r.seq for r in records] == [1, 2, 3]


def test_resume_reads_back_past_a_large_last_record(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        log.write_output(STDOUT, ["a\n"] * 41 + ["\x00" * 65536])  # escaped: ~6 bytes per char
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        assert log.last_seq == 42


def test_torn_last_line_is_closed_and_seq_continues_after_the_last_complete_one(
    tmp_path: Path,
) -> None:
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        log.write_output(STDOUT, ["a\n", "b\n"])
    path = tmp_path / f"{TASK_ID}.jsonl"
    with path.open("ab") as file:
        file.write(b'{"task_id": "' + TASK_ID.encode() + b'", "seq": 3, "ti')
    with TaskLogWriter(tmp_path, TASK_ID) as log:
        log.write_output(STDOUT, ["c\n"])
    lines = path.read_bytes().splitlines()
    assert len(lines) == 4
    assert from_json(lines[-1]).seq == 3
    assert from_json(lines[-1]).log == "c\n"


def test_writing_after_close_is_an_error_not_a_silent_loss(tmp_path: Path) -> None:
    log = TaskLogWriter(tmp_path, TASK_ID)
    log.close()
    log.close()
    with pytest.raises(ValueError, match="closed"):
        log.write_output(STDOUT, ["late\n"])


def test_task_id_that_is_not_a_uuid_cannot_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="UUID"):
        TaskLogWriter(tmp_path / "logs", "../escape")
    assert not (tmp_path / "escape.jsonl").exists()


def test_a_tasks_log_is_readable_by_its_owner_and_group_only(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    with TaskLogWriter(logs, TASK_ID) as log:
        log.write_status(State.STARTED, None)
    assert (logs / f"{TASK_ID}.jsonl").stat().st_mode & 0o777 == 0o640
    assert logs.stat().st_mode & 0o007 == 0
