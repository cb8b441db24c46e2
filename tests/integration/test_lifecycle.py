"""Cancel, timeouts, chains and groups, with real processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.taskqueue import make_celery
from joblook.web import launch
from tests.support.processes import alive
from tests.support.stack import TERMINAL, Stack, output_of, running_stack
from tests.support.waiting import wait_for

# A shell that starts a background child, a grandchild, and one that leaves the process group.
TREE = (
    "sleep 300 & echo $! > {pids}; "
    "sh -c 'sleep 301 & echo $! >> {pids}; wait' & "
    "setsid sleep 302 & echo $! >> {pids}; "
    "echo tree started; wait"
)


def pids_in(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def wait_state(stack: Stack, task_id: str, states: set[str], timeout: float = 30) -> dict:
    return wait_for(
        lambda: (t := stack.task(task_id))["state"] in states and t, timeout, f"state {states}"
    )


def test_cancel_kills_the_whole_process_tree_and_says_who_cancelled(
    stack: Stack, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    task_id = stack.enqueue(TREE.format(pids=pids))
    wait_for(lambda: len(pids_in(pids)) == 3, 20, "the process tree to start")
    assert all(alive(pid) for pid in pids_in(pids))
    reply = stack.http.delete(stack.url(f"/tasks/{task_id}"))
    assert reply.status_code == 202
    info = wait_state(stack, task_id, TERMINAL)
    assert info["state"] == "REVOKED"
    assert info["message"].startswith("cancelled by api")
    assert "tree started\n" in output_of(stack.permlog(task_id)["records"], "stdout")
    wait_for(lambda: not any(alive(p) for p in pids_in(pids)), 5, "the tree to be gone")
    assert stack.http.delete(stack.url(f"/tasks/{task_id}")).status_code == 409


@pytest.fixture
def one_slot(tmp_path: Path) -> Iterator[Stack]:
    """A stack whose only worker runs one command at a time, so others wait in the queue."""
    with running_stack(tmp_path / "stack", concurrency=1) as running:
        yield running


def test_a_cancelled_queued_task_never_runs(one_slot: Stack, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    blocker = one_slot.enqueue("sleep 30")
    wait_state(one_slot, blocker, {"STARTED"})
    queued = one_slot.enqueue(f"touch {marker}")
    assert one_slot.http.delete(one_slot.url(f"/tasks/{queued}")).status_code == 202
    one_slot.http.delete(one_slot.url(f"/tasks/{blocker}"))
    info = wait_state(one_slot, queued, TERMINAL)
    assert info["state"] == "REVOKED"
    assert "before it started" in info["message"]
    assert not marker.exists()


def test_a_timeout_kills_the_tree_and_the_log_says_it_timed_out(
    stack: Stack, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    task_id = stack.enqueue(f"sleep 300 & echo $! > {pids}; wait", timeout=1)
    info = wait_state(stack, task_id, TERMINAL)
    assert info["state"] == "FAILURE"
    assert "timed out after 1" in info["message"]
    wait_for(lambda: not any(alive(p) for p in pids_in(pids)), 5, "the tree to be gone")


def test_a_chain_runs_in_order_and_stops_at_the_failing_step(stack: Stack, tmp_path: Path) -> None:
    marker = tmp_path / "third-ran"
    reply = stack.enqueue_json({"chain": ["echo one", "echo two; exit 4", f"touch {marker}"]})
    parent, steps = reply["task_id"], reply["steps"]
    info = wait_state(stack, parent, TERMINAL)
    assert (info["state"], info["exit_code"], info["steps"]) == ("FAILURE", 4, steps)
    states = [stack.task(step)["state"] for step in steps]
    assert states == ["SUCCESS", "FAILURE", "REVOKED"]
    assert stack.task(steps[2])["started_at"] is None
    assert not marker.exists()
    assert output_of(stack.permlog(steps[1])["records"], "stdout") == "two\n"
    assert stack.task(steps[0])["parent"] == parent


def test_a_group_runs_its_steps_in_parallel(stack: Stack) -> None:
    reply = stack.enqueue_json({"group": ["sleep 2", "sleep 2", "sleep 2"]})
    info = wait_state(stack, reply["task_id"], TERMINAL)
    assert info["state"] == "SUCCESS"
    steps = [stack.task(step) for step in reply["steps"]]
    # In parallel, every step starts before any step ends; one after another, none would.
    last_start = max(step["started_at"] for step in steps)
    first_end = min(step["finished_at"] for step in steps)
    assert last_start < first_end


def test_a_command_the_worker_cannot_exec_ends_failure_and_never_stays_started(
    stack: Stack,
) -> None:
    # Queued straight through Celery, as anyone who can write to the broker could: the API
    # refuses a NUL, so this is the worker's own defence.
    settings = Settings.from_env(stack.env)
    store = LogStore.from_url(settings.redis_url)
    celery = make_celery(settings)
    try:
        task_id = launch.launch_command(store, celery, "echo a\0b", None)
        log = stack.wait_finished(task_id)
    finally:
        celery.close()
        store.redis.close()
    assert (log["state"], log["exit_code"]) == ("FAILURE", None)
    assert "could not start" in log["records"][-1]["log"]
    assert stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10).status_code == 409
