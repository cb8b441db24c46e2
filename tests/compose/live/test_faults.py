"""Faults on a running compose stack of three workers, each ending with nothing lost and nothing
twice: the stored seqs are exactly 1..N and the stored text is what the command printed.

The tests share one stack and run in this file's order; each leaves every service healthy again,
and the last ones (``down``/``up`` and ``stop``) stop the whole stack on purpose.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

from tests.support.composestack import ComposeStack
from tests.support.stack import output_of, seqs_of
from tests.support.waiting import wait_for

from .conftest import WORKER_LOST_SECONDS
from .viewer import Viewer

SERVICES = ("redis", "web", "worker", "fluentd", "flower")
LINES = 3000
# About six seconds of output, so a service can be killed or restarted while it streams.
PACED = (
    'python -c "import time\n'
    f"for i in range(1, {LINES + 1}):\n"
    "    print(i, flush=True)\n"
    '    if i % 50 == 0: time.sleep(0.1)"'
)
PRINTED = "".join(f"{i}\n" for i in range(1, LINES + 1))  # what PACED prints


def assert_complete(log: dict[str, Any], stdout: str = PRINTED) -> None:
    assert seqs_of(log["records"]) == list(range(1, log["last_seq"] + 1))
    assert output_of(log["records"], "stdout") == stdout
    assert (log["state"], log["exit_code"]) == ("SUCCESS", 0)


def numbers(last: int) -> str:
    """What ``seq 1 LAST`` prints."""
    return "".join(f"{i}\n" for i in range(1, last + 1))


def kill_9(stack: ComposeStack, container: str) -> None:
    subprocess.run(["docker", "kill", "--signal", "KILL", container], capture_output=True,
                   timeout=60, check=True)  # fmt: skip


def streaming(stack: ComposeStack) -> str:
    """A task well into printing PACED."""
    task_id = stack.enqueue(PACED)
    stack.wait_output(task_id, 300)
    return task_id


def test_tasks_land_on_three_workers_and_every_log_is_complete(
    fault_stack: ComposeStack,
) -> None:
    assert len(fault_stack.containers("worker")) == 3
    # Each worker takes at most two at a time (one per CPU, prefetch 1): nine tasks need all three.
    ids = [fault_stack.enqueue(f"sleep 3; seq 1 {500 + n}") for n in range(9)]
    workers = set()
    for n, task_id in enumerate(ids):
        log = fault_stack.wait_finished(task_id)
        assert_complete(log, numbers(500 + n))
        workers.add(fault_stack.task(task_id)["worker"])
    assert len(workers) == 3, workers


def test_kill_9_of_fluentd_mid_task_then_start_loses_nothing(fault_stack: ComposeStack) -> None:
    task_id = streaming(fault_stack)
    (fluentd,) = fault_stack.containers("fluentd")
    kill_9(fault_stack, fluentd)
    time.sleep(1)  # the command prints on while nothing ships
    fault_stack.compose("start", "fluentd")
    assert_complete(fault_stack.wait_finished(task_id))
    fault_stack.wait_healthy("fluentd")


def test_restart_of_web_mid_task_a_viewer_resumes_without_a_gap(fault_stack: ComposeStack) -> None:
    task_id = fault_stack.enqueue(PACED)
    viewer = Viewer(fault_stack, task_id)
    try:
        wait_for(lambda: len(viewer.records) > 300, 30, "the viewer to be following")
        fault_stack.compose("restart", "web")
        assert viewer.done.wait(120), f"the viewer got {len(viewer.records)} records"
    finally:
        viewer.client.disconnect()
    assert viewer.connects >= 2, "the web restart did not drop the viewer's connection"
    log = fault_stack.wait_finished(task_id)
    assert_complete(log)
    assert viewer.records == log["records"]
    fault_stack.wait_healthy("web")


def test_kill_9_of_redis_mid_task_loses_nothing(fault_stack: ComposeStack) -> None:
    # Redis comes back from its append-only file (on the redis-data volume).
    task_id = streaming(fault_stack)
    (redis,) = fault_stack.containers("redis")
    kill_9(fault_stack, redis)
    time.sleep(1)
    fault_stack.compose("start", "redis")
    assert_complete(fault_stack.wait_finished(task_id, timeout=120))
    fault_stack.wait_healthy(*SERVICES)


def test_kill_9_of_a_worker_container_fails_its_task_and_the_others_go_on(
    fault_stack: ComposeStack,
) -> None:
    doomed = fault_stack.enqueue("echo begin; sleep 600")
    wait_for(lambda: fault_stack.task(doomed)["state"] == "STARTED", 30, "the task to start")
    fault_stack.wait_output(doomed, 2)
    host = fault_stack.task(doomed)["worker"]
    (container,) = [c for c in fault_stack.containers("worker") if host.endswith(c[:12])]
    kill_9(fault_stack, container)
    killed_at = time.monotonic()
    # No guardian is left to write the last record; the web's reaper fails the task once its
    # heartbeat has been missing for JOBLOOK_WORKER_LOST_SECONDS (plus one sweep).
    # It fails the task in the store without a record of its own: the log ends where the
    # command's output stopped, and GET /tasks/ID says why.
    info = fault_stack.wait_reaped(doomed, WORKER_LOST_SECONDS * 3)
    lost_after = time.monotonic() - killed_at
    assert (info["state"], info["exit_code"]) == ("FAILURE", None)
    assert info["message"].startswith("worker lost: no heartbeat"), info["message"]
    log = fault_stack.permlog(doomed)
    assert log["state"] == "FAILURE"
    assert seqs_of(log["records"]) == list(range(1, log["last_seq"] + 1))
    assert output_of(log["records"], "stdout") == "begin\n"
    others = [fault_stack.enqueue(f"seq 1 {n}") for n in (10, 20, 30, 40)]
    for n, task_id in zip((10, 20, 30, 40), others, strict=True):
        assert_complete(fault_stack.wait_finished(task_id), numbers(n))
    print(f"worker lost noticed {lost_after:.1f} s after the kill")
    fault_stack.compose("up", "-d", "--wait", "--scale", "worker=3")


def test_with_redis_stopped_the_web_turns_unhealthy_and_recovers(
    fault_stack: ComposeStack,
) -> None:
    fault_stack.compose("stop", "redis")
    try:
        wait_for(lambda: fault_stack.health("web") == ["unhealthy"], 120,
                 "web's healthcheck to fail", interval=1)  # fmt: skip
    finally:
        fault_stack.compose("start", "redis")
    fault_stack.wait_healthy(*SERVICES)


def _stored_logs(stack: ComposeStack) -> dict[str, dict[str, Any]]:
    reply = stack.http.get(stack.url("/tasks"), params={"limit": 200}, timeout=30)
    assert reply.status_code == 200, reply.text
    return {t["task_id"]: stack.permlog(t["task_id"]) for t in reply.json()["tasks"]}


def test_down_then_up_keeps_every_stored_log(fault_stack: ComposeStack) -> None:
    before = _stored_logs(fault_stack)
    assert len(before) >= 9  # the scale test's alone
    fault_stack.compose("down", "--timeout", "30")
    fault_stack.up("--scale", "worker=3")
    assert _stored_logs(fault_stack) == before


def test_compose_stop_leaves_no_task_started(fault_stack: ComposeStack) -> None:
    short = fault_stack.enqueue("echo begin; sleep 5; echo end")
    wait_for(lambda: fault_stack.task(short)["state"] == "STARTED", 30, "the task to start")
    fault_stack.compose("stop")
    fault_stack.up("--scale", "worker=3")
    log = fault_stack.wait_finished(short)
    assert_complete(log, "begin\nend\n")
    reply = fault_stack.http.get(fault_stack.url("/tasks"), params={"state": "STARTED"}, timeout=30)
    assert reply.json()["tasks"] == []
