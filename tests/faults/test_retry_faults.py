"""Retries when services fail: the retry delay lives in Redis, not in a worker or a web process.

- A worker killed (kill -9) while the next attempt waits out its delay: the attempt runs on the
  next worker to come, once due, with nothing lost.
- A worker killed while an attempt runs: that attempt ends FAILURE ("worker lost"), which is a
  failure like any other, so the next attempt runs.
- The web killed during the delay: the restarted web sends the attempt when due.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.test_rerun_retries import flaky, wait_ended
from tests.support.stack import Stack, output_of
from tests.support.waiting import wait_for


def waiting_attempt(stack: Stack, first: str) -> dict[str, Any]:
    """The first attempt's view once its second attempt waits for its delay."""

    def waiting() -> dict[str, Any] | None:
        task = stack.task(first)
        return task if task.get("next_attempt_at") and len(task["attempts"]) == 2 else None

    return wait_for(waiting, 30, "the second attempt to be scheduled", interval=0.1)


def test_a_worker_lost_during_the_retry_delay_loses_no_attempt(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    first = stack.enqueue(flaky(tmp_path / "n", 2), retries=2, retry_delay=2)
    second = waiting_attempt(stack, first)["attempts"][1]
    stack.worker.kill()  # SIGKILL to the worker's whole process group, mid-delay

    # Due, and queued, with no worker to take it: it waits PENDING in the broker's queue.
    wait_for(lambda: stack.task(second)["due_at"] is None, 15, "the attempt to be queued")
    assert stack.task(second)["state"] == "PENDING"
    stack.add_worker("worker-2")
    task = wait_ended(stack, first)
    assert (task["state"], task["attempts"]) == ("SUCCESS", [first, second])
    assert output_of(stack.wait_finished(second)["records"], "stdout") == "run 2\n"
    assert not stack.worker.running  # so worker-2 ran it


def test_an_attempt_whose_worker_is_killed_fails_and_the_next_one_runs(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack, started = fresh_stack, tmp_path / "started"
    # The first run waits to be killed; the second finds the counter at 2 and succeeds.
    cmd = f"{flaky(tmp_path / 'n', 2)} || {{ touch {started}; sleep 300; }}"
    first = stack.enqueue(cmd, retries=1, retry_delay=0.5)
    wait_for(started.exists, 30, "the first attempt to run")
    stack.worker.kill()
    lost = stack.wait_finished(first, timeout=30)
    assert lost["records"][-1]["log"].startswith("worker lost")
    stack.add_worker("worker-2")
    task = wait_ended(stack, first)
    assert (task["state"], len(task["attempts"])) == ("SUCCESS", 2)


def test_a_web_restarted_during_the_retry_delay_still_sends_the_attempt(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    first = stack.enqueue(flaky(tmp_path / "n", 2), retries=1, retry_delay=2)
    waiting_attempt(stack, first)
    stack.web.kill()
    stack.web.start()
    stack.wait_ready()
    task = wait_ended(stack, first)
    assert (task["state"], len(task["attempts"])) == ("SUCCESS", 2)
