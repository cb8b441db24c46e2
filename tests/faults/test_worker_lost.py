"""kill -9 of a worker while its task runs: the command's tree dies too, and the task ends FAILURE
("worker lost") with every line it printed, instead of staying STARTED for ever."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import alive
from tests.support.stack import Stack, output_of, seqs_of
from tests.support.waiting import wait_for


def test_kill_9_of_the_worker_kills_its_commands_and_fails_the_task(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack, pids = fresh_stack, tmp_path / "pids"
    # A shell, a grandchild in the background, and a steady stream of numbered lines.
    task_id = stack.enqueue(
        f"sleep 300 & echo $$ $! > {pids}; i=0; "
        "while [ $i -lt 100000 ]; do i=$((i+1)); echo $i; sleep 0.01; done"
    )
    wait_for(lambda: stack.permlog(task_id)["last_seq"] > 50, 30, "the task to print")
    shell, grandchild = (int(pid) for pid in pids.read_text().split())

    stack.worker.kill()  # SIGKILL to the worker's whole process group: main process and pool

    wait_for(lambda: not alive(shell) and not alive(grandchild), 20, "the command's tree to die")
    log = stack.wait_finished(task_id, timeout=30)
    assert (log["state"], log["exit_code"]) == ("FAILURE", None)
    assert log["records"][-1]["log"].startswith("worker lost")
    assert stack.task(task_id)["message"].startswith("worker lost")
    assert seqs_of(log["records"]) == list(range(1, log["last_seq"] + 1))
    printed = output_of(log["records"], "stdout").split()
    assert printed == [str(i) for i in range(1, len(printed) + 1)]  # none lost, none twice
