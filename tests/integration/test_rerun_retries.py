"""Re-runs and retries on the real stack (Redis, web, worker, shipper), through the API and the
installed `joblook` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integration.test_cli import joblook
from tests.support.processes import JOBLOOK
from tests.support.stack import Stack, output_of
from tests.support.waiting import wait_for


def flaky(counter: Path, succeed_on: int) -> str:
    """A command that fails until its ``succeed_on``-th run, printing which run it is."""
    return (
        f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; "
        f'echo "run $n"; [ $n -ge {succeed_on} ]'
    )


def wait_ended(stack: Stack, task_id: str, timeout: float = 60) -> dict[str, Any]:
    """The task's view once it has ended for good: a retried task's failure counts once its
    retries are used up (the web makes the next attempt up to a second after one fails)."""

    def ended() -> dict[str, Any] | None:
        task = stack.task(task_id)
        if task["state"] not in ("SUCCESS", "FAILURE", "REVOKED"):
            return None
        used_up = len(task.get("attempts") or [task_id]) > (task.get("retries") or 0)
        return task if task["state"] != "FAILURE" or used_up else None

    return wait_for(ended, timeout, f"task {task_id} to end", interval=0.1)


def test_a_failing_command_is_retried_until_it_succeeds_and_keeps_every_log(
    stack: Stack, tmp_path: Path
) -> None:
    first = stack.enqueue(flaky(tmp_path / "n", 3), retries=3, retry_delay=0.5)
    task = wait_ended(stack, first)
    assert (task["state"], task["exit_code"], len(task["attempts"])) == ("SUCCESS", 0, 3)
    for number, attempt in enumerate(task["attempts"], start=1):
        log = stack.wait_finished(attempt)
        assert output_of(log["records"], "stdout") == f"run {number}\n"
        assert log["state"] == ("SUCCESS" if number == 3 else "FAILURE")
        assert stack.task(attempt)["attempt"] == number
    assert stack.task(task["attempts"][2])["first_attempt"] == first


def test_the_last_failure_is_the_final_state_when_retries_run_out(stack: Stack) -> None:
    first = stack.enqueue("echo no; exit 3", retries=1, retry_delay=0.2)
    task = wait_ended(stack, first)
    assert (task["state"], task["exit_code"], len(task["attempts"])) == ("FAILURE", 3, 2)


def test_a_batch_item_with_retries_is_retried_until_it_succeeds(
    stack: Stack, tmp_path: Path
) -> None:
    items = [{"cmd": flaky(tmp_path / "n", 2), "retries": 2, "retry_delay": 0.3}, {"cmd": "true"}]
    first, plain = stack.enqueue_json({"batch": items})["task_ids"]
    task = wait_ended(stack, first)
    assert (task["state"], len(task["attempts"])) == ("SUCCESS", 2)
    assert output_of(stack.wait_finished(task["attempts"][1])["records"], "stdout") == "run 2\n"
    assert "attempts" not in wait_ended(stack, plain)


def test_a_batch_item_can_be_rerun_on_its_own(stack: Stack) -> None:
    [old] = stack.enqueue_json({"batch": [{"cmd": "echo item"}], "timeout": 30})["task_ids"]
    stack.wait_finished(old)
    reply = stack.http.post(stack.url(f"/tasks/{old}/rerun"), json={}, timeout=10)
    assert reply.status_code == 202
    new = reply.json()["task_id"]
    assert output_of(stack.wait_finished(new)["records"], "stdout") == "item\n"
    assert (stack.task(new)["rerun_of"], stack.task(new)["timeout"]) == (old, 30)


def test_a_rerun_runs_the_command_again_as_a_new_linked_task(stack: Stack) -> None:
    old = stack.enqueue("echo again", timeout=30)
    stack.wait_finished(old)
    reply = stack.http.post(stack.url(f"/tasks/{old}/rerun"), json={}, timeout=10)
    assert reply.status_code == 202
    new = reply.json()["task_id"]
    assert output_of(stack.wait_finished(new)["records"], "stdout") == "again\n"
    assert stack.task(new)["rerun_of"] == old
    assert stack.task(old)["reruns"] == [new]


def test_a_chain_reruns_from_its_failed_step_only(stack: Stack, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    steps = [f"echo one >> {marks}", f"test -e {tmp_path / 'ready'}", f"echo three >> {marks}"]
    reply = stack.enqueue_json({"chain": steps})
    wait_ended(stack, reply["task_id"])
    (tmp_path / "ready").touch()
    again = stack.http.post(
        stack.url(f"/tasks/{reply['task_id']}/rerun"), json={"from": "failed"}, timeout=10
    ).json()
    assert wait_ended(stack, again["task_id"])["state"] == "SUCCESS"
    assert marks.read_text() == "one\nthree\n"  # the first step ran once


def test_cli_rerun_follows_the_new_task_and_exits_with_its_code(stack: Stack) -> None:
    old = stack.enqueue("echo from cli; exit 4")
    stack.wait_finished(old)
    done = joblook(stack.base_url, "rerun", old, "--follow")
    assert (done.returncode, done.stdout) == (4, "from cli\n")
    changed = joblook(stack.base_url, "rerun", old, "--cmd", "echo changed", "-f")
    assert (changed.returncode, changed.stdout) == (0, "changed\n")


def test_cli_rerun_edit_runs_what_the_editor_saved(stack: Stack, tmp_path: Path) -> None:
    old = stack.enqueue("echo before", timeout=30)
    stack.wait_finished(old)
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import json, sys\n"
        "path = sys.argv[1]\n"
        "spec = json.load(open(path))\n"
        "spec['cmd'] = 'echo after'\n"
        "del spec['timeout']\n"
        "json.dump(spec, open(path, 'w'))\n"
    )
    done = joblook_with_editor(stack, f"{sys.executable} {editor}", "rerun", old, "--edit", "-f")
    assert (done.returncode, done.stdout) == (0, "after\n"), done.stderr
    new = stack.task(old)["reruns"][-1]
    assert stack.task(new)["definition"] == {"cmd": "echo after"}
    unchanged = joblook_with_editor(stack, "true", "rerun", old, "--edit")
    assert unchanged.returncode == 1
    assert "nothing changed" in unchanged.stderr


def test_cli_submit_with_retries_follows_every_attempt(stack: Stack, tmp_path: Path) -> None:
    cmd = flaky(tmp_path / "n", 2)
    flags = ("--retries", "2", "--retry-delay", "0.2", "-f")
    done = joblook(stack.base_url, "submit", *flags, "--", cmd)
    assert (done.returncode, done.stdout) == (0, "run 1\nrun 2\n"), done.stderr
    assert "attempt 2 of 3" in done.stderr


def joblook_with_editor(stack: Stack, editor: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBLOOK_URL": stack.base_url, "EDITOR": editor, "VISUAL": ""}
    return subprocess.run(
        [*JOBLOOK, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
