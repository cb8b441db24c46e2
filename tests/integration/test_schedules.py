"""Schedules on the real stack: a named job's schedule runs the job with its parameters and the
task names its schedule; the policy is checked again when a schedule fires."""

from __future__ import annotations

from pathlib import Path

import redis

from joblook.store.schedules import ScheduleStore
from tests.support.stack import output_of, running_stack
from tests.support.waiting import wait_for

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
