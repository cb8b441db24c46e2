"""The guardian: idle while its worker lives, the command's executioner once the worker dies."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from joblook.record import State, StatusRecord
from joblook.worker.guard import Guard
from joblook.worker.logfile import TaskLogWriter, last_record
from tests.support.processes import alive
from tests.support.waiting import wait_for

# A stand-in worker: starts a command and its guardian, reports the command's pid, then dies.
DYING_WORKER = """
import os, subprocess, sys
from pathlib import Path
from joblook.worker.guard import Guard
log = Path(sys.argv[1])
command = subprocess.Popen(["sh", "-c", "sleep 300 & sleep 300"], start_new_session=True)
Guard(log, 1.0).watch(command.pid)
print(command.pid, flush=True)
os.kill(os.getpid(), 9)
"""


def start_command() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "300"], start_new_session=True)


def test_a_released_guardian_exits_and_leaves_the_command_alone(tmp_path: Path) -> None:
    command = start_command()
    try:
        with Guard(tmp_path / f"{uuid.uuid4()}.jsonl", 1.0) as guard:
            guard.watch(command.pid)
        assert alive(command.pid)
        assert guard._guardian is not None and guard._guardian.returncode == 0
    finally:
        command.kill()
        command.wait()


def test_when_its_worker_dies_the_guardian_kills_the_tree_and_fails_the_log(
    tmp_path: Path,
) -> None:
    task_id = str(uuid.uuid4())
    with TaskLogWriter(tmp_path, task_id) as log:
        log.write_status(State.STARTED, None, "started on here")
        log.write_output("stdout", ["working\n"])
    worker = subprocess.run(
        [sys.executable, "-c", DYING_WORKER, str(tmp_path / f"{task_id}.jsonl")],
        capture_output=True,
        check=False,
    )
    assert worker.returncode == -9
    shell = int(worker.stdout)
    wait_for(lambda: not alive(shell), 10, "the guardian to kill the command")

    def final() -> StatusRecord | None:
        last = last_record(tmp_path / f"{task_id}.jsonl")
        return last if isinstance(last, StatusRecord) and last.is_terminal else None

    status = wait_for(final, 10, "the guardian to end the log")
    assert (status.seq, status.state, status.exit_code) == (3, State.FAILURE, None)
    assert status.log.startswith("worker lost")
