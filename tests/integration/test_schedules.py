"""Schedules on the real stack: a named job's schedule runs the job with its parameters and the
task names its schedule; the policy is checked again when a schedule fires; a schedule's launch
fields (queue, GPUs, secrets) reach its runs as a request's do, and a chain's secret its steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from joblook.store.schedules import ScheduleStore
from joblook.store.secrets import new_key
from tests.integration.test_cli import joblook
from tests.integration.test_rerun_retries import wait_ended
from tests.support.stack import Stack, output_of, running_stack
from tests.support.waiting import wait_for

SECRET = "s3cr3t-value-for-schedules"

JOBS = """
jobs:
  greet:
    argv: [echo, "hello {who}"]
    params:
      who: {type: string}
"""


def test_a_named_jobs_schedule_runs_it_and_its_task_names_the_schedule(tmp_path: Path) -> None:
    with running_stack(tmp_path, jobs_yaml=JOBS) as stack:
        body = {"every": 1, "job": "greet", "params": {"who": "cron"}, "name": "greeting"}
        made = stack.http.post(stack.url("/schedules"), json=body, timeout=10).json()
        assert made["cmd"] is None and made["params"] == {"who": "cron"}
        path = stack.url(f"/schedules/{made['schedule_id']}")

        def first_run() -> dict | None:
            runs = stack.http.get(path, timeout=10).json()["last_runs"]
            return runs[-1] if runs else None

        run = wait_for(first_run, 20, "the schedule to fire")
        log = stack.wait_finished(run["task_id"])
        assert output_of(log["records"], "stdout") == "hello cron\n"
        task = stack.task(run["task_id"])
        assert (task["schedule_id"], task["cmd"]) == (made["schedule_id"], "echo 'hello cron'")
        assert task["submitted_by"] == f"schedule:{made['schedule_id']}"
        trail = stack.http.get(stack.url("/audit"), timeout=10).json()["entries"]
        fired = [e for e in trail if e["action"] == "run" and e["task_id"] == run["task_id"]]
        assert [e["actor"] for e in fired] == [f"schedule:{made['schedule_id']}"]
        added = next(e for e in trail if e["action"] == "schedule.add")
        assert (added["actor"], added["schedule_id"]) == ("anonymous", made["schedule_id"])
        # Raw commands are off with a jobs file: the API refuses a raw schedule outright.
        raw = stack.http.post(stack.url("/schedules"), json={"every": 1, "cmd": "true"}, timeout=10)
        assert raw.status_code == 403


def test_a_schedule_the_policy_no_longer_allows_fires_no_task(tmp_path: Path) -> None:
    # Changed in Redis behind the API's back (as if made before the policy was set), while
    # paused: at its first due time the scheduler refuses it.
    with running_stack(tmp_path, {"JOBLOOK_ALLOWED_COMMANDS": "echo [a-z]+"}) as stack:
        allowed = stack.http.post(
            stack.url("/schedules"),
            json={"every": 1, "cmd": "echo fine", "paused": True},
            timeout=10,
        ).json()
        schedule_id = allowed["schedule_id"]
        with redis.Redis(port=stack.redis_port) as client:
            schedules = ScheduleStore(client)
            sneaked = schedules.get(schedule_id)
            assert sneaked is not None
            schedules.save(sneaked.changed(cmd="touch /tmp/joblook-should-not-exist"))
            resumed = stack.http.patch(
                stack.url(f"/schedules/{schedule_id}"), json={"paused": False}, timeout=10
            )
            assert resumed.status_code == 200
            runs = wait_for(lambda: schedules.runs(schedule_id), 20, "a due time")
        assert runs[0].task_id is None
        assert runs[0].message == "not started: command not allowed by JOBLOOK_ALLOWED_COMMANDS"


@pytest.fixture(scope="module")
def launching(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack with raw commands, a secret key and secret DB_PASSWORD, and a worker for queue
    ``side`` with one (fake) GPU, ``sidegpu``: only that worker can hand it out."""
    env = {"JOBLOOK_ALLOW_RAW": "1", "JOBLOOK_SECRET_KEY": new_key()}
    with running_stack(tmp_path_factory.mktemp("launching"), env, 2) as stack:
        stack.add_worker("sidew", 1, ("--queues", "side", "--gpus", "sidegpu"))
        reply = stack.http.put(
            stack.url("/secrets/DB_PASSWORD"), json={"value": SECRET}, timeout=10
        )
        assert reply.status_code == 200, reply.text
        yield stack


def _first_run(stack: Stack, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create the schedule, wait for its first run to end: the schedule and the run's log."""
    reply = stack.http.post(stack.url("/schedules"), json=body, timeout=10)
    assert reply.status_code == 201, reply.text
    made = reply.json()
    return made, _finished_first_run(stack, made["schedule_id"])


def _finished_first_run(stack: Stack, schedule_id: str) -> dict[str, Any]:
    """Wait for the schedule's first run, pause the schedule, and wait for that run to end: its
    log and task id."""
    path = stack.url(f"/schedules/{schedule_id}")

    def first_task() -> str | None:
        runs = stack.http.get(path, timeout=10).json()["last_runs"]
        return runs[-1]["task_id"] if runs else None

    task_id = wait_for(first_task, 30, "the schedule to fire")
    stack.http.patch(path, json={"paused": True}, timeout=10)
    return stack.wait_finished(task_id, 60) | {"task_id": task_id}


def test_a_scheduled_command_on_a_named_queue_runs_on_that_queues_worker(
    launching: Stack,
) -> None:
    body = {"every": 1, "cmd": 'echo "gpu=$CUDA_VISIBLE_DEVICES"', "queue": "side", "gpus": 1}
    made, log = _first_run(launching, body)
    assert (made["queue"], made["gpus"]) == ("side", 1)
    assert output_of(log["records"], "stdout") == "gpu=sidegpu\n"
    task = launching.task(log["task_id"])
    assert (task["queue"], task["gpus"], task["gpu_ids"]) == ("side", 1, ["sidegpu"])


def test_a_scheduled_command_gets_its_secret_and_its_output_masks_it(launching: Stack) -> None:
    body = {"every": 1, "cmd": 'echo "pw=$DB_PASSWORD"', "secrets": ["DB_PASSWORD"]}
    made, log = _first_run(launching, body)
    assert made["secrets"] == ["DB_PASSWORD"]
    assert output_of(log["records"], "stdout") == "pw=***\n"
    assert log["state"] == "SUCCESS"


def test_a_schedule_asking_for_an_unknown_secret_is_refused(launching: Stack) -> None:
    body = {"every": 1, "cmd": "env", "secrets": ["NOT_SET"]}
    reply = launching.http.post(launching.url("/schedules"), json=body, timeout=10)
    assert (reply.status_code, reply.json()["error"]) == (400, "unknown secret: NOT_SET")


def test_a_chain_step_gets_the_chains_secret_masked(launching: Stack) -> None:
    chain = ['echo "one=$DB_PASSWORD"', 'echo "two=$DB_PASSWORD"']
    queued = launching.enqueue_json({"chain": chain, "secrets": ["DB_PASSWORD"]})
    logs = [launching.wait_finished(step, 60) for step in queued["steps"]]
    assert [output_of(log["records"], "stdout") for log in logs] == ["one=***\n", "two=***\n"]


def test_a_scheduled_run_that_fails_is_retried_and_its_attempts_are_linked(
    launching: Stack,
) -> None:
    made = joblook(
        launching.base_url, "schedule", "add", "--every", "1", "--name", "flaky nightly",
        "--retries", "2", "--retry-delay", "0.2", "--", "echo try; exit 3",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    schedule_id = made.stdout.strip()
    listed = joblook(launching.base_url, "schedule", "ls")
    assert ", 2 retries)" in listed.stdout
    first_log = _finished_first_run(launching, schedule_id)
    assert output_of(first_log["records"], "stdout") == "try\n"
    first = wait_ended(launching, first_log["task_id"])
    assert (first["state"], first["exit_code"], first["retries"]) == ("FAILURE", 3, 2)
    assert first["schedule_id"] == schedule_id and len(first["attempts"]) == 3
    assert first["attempts"][0] == first["task_id"]
    for number, attempt_id in enumerate(first["attempts"], start=1):
        attempt = launching.task(attempt_id)
        assert attempt["attempt"] == number
        assert attempt.get("first_attempt", first["task_id"]) == first["task_id"]
        assert launching.wait_finished(attempt_id)["state"] == "FAILURE"
    later = launching.task(first["attempts"][2])
    assert later["submitted_by"] == f"retry:{first['task_id']}"
