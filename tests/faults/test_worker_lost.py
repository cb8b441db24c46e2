"""kill -9 of a worker while its task runs: the command's tree dies too, and the task ends FAILURE
("worker lost") with every line it printed, instead of staying STARTED for ever."""

from __future__ import annotations

from pathlib import Path

import psutil

from tests.support.processes import alive
from tests.support.stack import Stack, output_of, running_stack, seqs_of
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


def test_a_worker_lost_with_its_machine_is_found_by_its_missing_heartbeat(tmp_path: Path) -> None:
    # A machine that dies takes the worker, the guardian and the command with it: nothing is left
    # to end the log, so only the heartbeat's absence tells.
    env = {"JOBLOOK_WORKER_LOST_SECONDS": "3"}
    with running_stack(tmp_path, extra_env=env) as stack:
        marker = tmp_path / "marker"
        task_id = stack.enqueue(f"echo working; sleep 300; : {marker}")
        wait_for(lambda: stack.task(task_id)["state"] == "STARTED", 30, "the task to start")
        on_the_machine = [
            p
            for p in psutil.process_iter(["cmdline"])
            if any(task_id in part or str(marker) in part for part in p.info["cmdline"] or [])
        ]  # the guardian (it names the task's log file) and the command's shell
        assert len(on_the_machine) == 2, on_the_machine
        assert stack.worker.proc is not None
        worker = psutil.Process(stack.worker.proc.pid)
        doomed = [worker, *worker.children(recursive=True)]
        for process in on_the_machine:
            doomed += [process, *process.children(recursive=True)]
        for process in doomed:  # all freeze at once, as a machine that loses power
            process.suspend()
        for process in doomed:
            process.kill()
        stack.worker.kill()  # reaps it
        info = wait_for(
            lambda: (t := stack.task(task_id))["state"] != "STARTED" and t, 20, "the reaper"
        )
        assert (info["state"], info["exit_code"]) == ("FAILURE", None)
        assert info["message"].startswith("worker lost: no heartbeat")
