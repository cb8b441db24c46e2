"""deploy/cluster/compose.yml running: two web replicas behind the balancer, three worker hosts
each with its own Fluentd, and faults on them. Every test ends with nothing lost and nothing twice:
each task's stored seqs are exactly 1..N and its stored output is what the command printed.

The tests share one stack and run in this file's order; each leaves every service running again.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from joblook.worker.heartbeat import beat_interval
from tests.support.composestack import ComposeStack
from tests.support.stack import output_of, paced_count, seqs_of
from tests.support.waiting import wait_for

from .conftest import WORKER_LOST_SECONDS
from .viewer import Viewer

WORKER_HOSTS = ("a", "b", "c")
# How long the balancer may answer 5xx after a replica dies: its DNS answers live 2 s
# (nginx.conf `resolver ... valid=2s`), a connection to the dead address gives up after 2 s
# (proxy_connect_timeout), and the requests that were in flight on the replica fail with it.
BALANCER_NOTICE_SECONDS = 5.0


def assert_whole(log: dict[str, Any], printed: str, state: str = "SUCCESS") -> None:
    """Seqs 1..N once each, the exact output, and the final state."""
    assert seqs_of(log["records"]) == list(range(1, log["last_seq"] + 1))
    assert output_of(log["records"], "stdout") == printed
    assert log["state"] == state


def follow_all(stack: ComposeStack, task_ids: list[str], viewers: int) -> list[Viewer]:
    """``viewers`` Socket.IO clients through the balancer, spread round-robin over the tasks."""
    return [Viewer(stack, task_ids[n % len(task_ids)]) for n in range(viewers)]


def close_all(viewers: list[Viewer]) -> None:
    for viewer in viewers:
        viewer.client.disconnect()


def assert_viewers_hold_the_stored_logs(
    stack: ComposeStack, viewers: list[Viewer], logs: dict[str, dict[str, Any]]
) -> None:
    for viewer in viewers:
        assert viewer.done.wait(120), f"a viewer got only {len(viewer.records)} records"
    for viewer in viewers:
        task_id = viewer.records[0]["task_id"]
        assert viewer.records == logs[task_id]["records"], f"viewer of {task_id} differs"


def replicas_behind(stack: ComposeStack, path_prefix: str) -> set[str]:
    """The web replicas (addresses) the balancer sent requests for ``path_prefix`` to."""
    pattern = re.compile(rf'"GET {re.escape(path_prefix)}[^"]*" \d+ upstream=(\S+)')
    return {m.group(1) for m in pattern.finditer(stack.logs("balancer"))}


def container_of_worker(stack: ComposeStack, worker: str) -> tuple[str, str]:
    """(service, container id) of the worker host that reports itself as ``worker``."""
    for host in WORKER_HOSTS:
        for container in stack.containers(f"worker-{host}"):
            if worker.endswith(container[:12]):
                return f"worker-{host}", container
    raise AssertionError(f"no worker container is {worker}")


@contextmanager
def probing(stack: ComposeStack, path: str) -> Iterator[list[tuple[float, int]]]:
    """GETs ``path`` through the balancer every 50 ms while the block runs: (time, status) each,
    599 for a request that got no answer at all."""
    answers: list[tuple[float, int]] = []
    stop = threading.Event()

    def probe() -> None:
        with requests.Session() as http:
            http.headers.update(stack.http.headers)
            while not stop.wait(0.05):
                try:
                    status = http.get(stack.url(path), timeout=10).status_code
                except requests.RequestException:
                    status = 599
                answers.append((time.monotonic(), status))

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        yield answers
    finally:
        stop.set()
        thread.join(15)


def test_thirty_tasks_on_three_hosts_reach_fifty_viewers_whole(cluster_stack: ComposeStack) -> None:
    cmd, printed = paced_count(1500)
    task_ids = [cluster_stack.enqueue(cmd) for _ in range(30)]
    viewers = follow_all(cluster_stack, task_ids, 50)
    try:
        logs = {t: cluster_stack.wait_finished(t, timeout=240) for t in task_ids}
        assert_viewers_hold_the_stored_logs(cluster_stack, viewers, logs)
    finally:
        close_all(viewers)
    for log in logs.values():
        assert_whole(log, printed)
    hosts = {container_of_worker(cluster_stack, cluster_stack.task(t)["worker"])[0]
             for t in task_ids}  # fmt: skip
    assert hosts == {f"worker-{h}" for h in WORKER_HOSTS}
    # The balancer split the viewers' WebSockets over both replicas.
    assert len(replicas_behind(cluster_stack, "/socket.io/")) == 2


def test_killing_a_web_replica_mid_stream_loses_nothing(cluster_stack: ComposeStack) -> None:
    cmd, printed = paced_count(12000)
    task_ids = [cluster_stack.enqueue(cmd) for _ in range(3)]
    viewers = follow_all(cluster_stack, task_ids, 12)
    try:
        wait_for(lambda: all(len(v.records) > 500 for v in viewers), 60, "viewers following")
        with probing(cluster_stack, f"/tasks/{task_ids[0]}") as answers:
            doomed = cluster_stack.containers("web")[0]
            subprocess.run(["docker", "kill", doomed], capture_output=True, timeout=60,
                           check=True)  # fmt: skip
            killed_at = time.monotonic()
            logs = {t: cluster_stack.wait_finished(t, timeout=180) for t in task_ids}
            # The tasks may end before the balancer's notice time is up; probe past it so the
            # answers show what a client gets once the balancer has noticed.
            time.sleep(max(0.0, killed_at + BALANCER_NOTICE_SECONDS + 3 - time.monotonic()))
        assert_viewers_hold_the_stored_logs(cluster_stack, viewers, logs)
    finally:
        close_all(viewers)
    # The Fluentds' batches that went to the dead replica were retried on the survivor.
    for log in logs.values():
        assert_whole(log, printed)
    # The viewers on the dead replica came back through the balancer and resumed by seq.
    assert any(v.connects >= 2 for v in viewers), "no viewer was on the killed replica"
    late = [(round(at - killed_at, 1), s) for at, s in answers
            if s >= 500 and at - killed_at > BALANCER_NOTICE_SECONDS]  # fmt: skip
    assert not late, f"5xx after the balancer's notice time: {late}"
    errors = [(round(at - killed_at, 1), s) for at, s in answers if s >= 500]
    moved = sum(v.connects >= 2 for v in viewers)
    print(f"{moved} of {len(viewers)} viewers reconnected; 5xx (s after the kill): {errors}")
    after = [s for at, s in answers if at > killed_at + BALANCER_NOTICE_SECONDS]
    assert 200 in after, f"no 200 through the balancer after its notice time: {after[:20]}"
    cluster_stack.compose("start", "web")
    cluster_stack.wait_healthy("web", "balancer")


def test_a_worker_host_cut_off_fails_its_task_then_delivers_what_it_printed(
    cluster_stack: ComposeStack,
) -> None:
    lines = 400
    # Ten lines a second for 40 s: it prints on, unaware, while its host is cut off.
    cmd = (
        'python3 -c "import time\n'
        f"for i in range(1, {lines + 1}):\n"
        '    print(i, flush=True); time.sleep(0.1)"'
    )
    task_id = cluster_stack.enqueue(cmd)
    cluster_stack.wait_output(task_id, 20)
    service, worker = container_of_worker(cluster_stack, cluster_stack.task(task_id)["worker"])
    host = service.removeprefix("worker-")
    (fluentd,) = cluster_stack.containers(f"fluentd-{host}")
    network = f"{cluster_stack.project}_host-{host}"
    # The whole host goes: its worker (no more heartbeats) and its Fluentd (no more /sync).
    for container in (worker, fluentd):
        subprocess.run(["docker", "network", "disconnect", network, container],
                       capture_output=True, timeout=60, check=True)  # fmt: skip
    cut_at = time.monotonic()
    try:
        info = cluster_stack.wait_reaped(task_id, WORKER_LOST_SECONDS * 3)
        lost_after = time.monotonic() - cut_at
        before = cluster_stack.permlog(task_id)
    finally:
        # The worker finds its Fluentd by the alias compose gave it on the host's network.
        for container, aliases in ((worker, []), (fluentd, ["--alias", "fluentd"])):
            subprocess.run(["docker", "network", "connect", *aliases, network, container],
                           capture_output=True, timeout=60, check=True)  # fmt: skip
    assert (info["state"], info["exit_code"]) == ("FAILURE", None)
    assert info["message"].startswith("worker lost"), info["message"]
    # Not before the threshold: counted from the task's last heartbeat, which came at most one
    # beat (beat_interval) before the cut.
    assert lost_after >= WORKER_LOST_SECONDS - beat_interval(WORKER_LOST_SECONDS)
    # Back on the network, the host's Fluentd sends what the command printed meanwhile.
    printed = "".join(f"{i}\n" for i in range(1, lines + 1))
    wait_for(
        lambda: output_of(cluster_stack.permlog(task_id)["records"], "stdout") == printed,
        120,
        "the cut-off host's buffered lines",
        interval=1,
    )
    after = cluster_stack.permlog(task_id)
    print(f"worker lost after {lost_after:.1f} s; {before['last_seq']} records then, "
          f"{after['last_seq']} after the reconnect; state {after['state']}; "
          f"last record {after['records'][-1]}")  # fmt: skip
    assert seqs_of(after["records"]) == list(range(1, after["last_seq"] + 1))
    assert after["last_seq"] > before["last_seq"]
    # The worker's own last record (the command exited 0) arrives after the reaper's verdict: the
    # log keeps it, the task keeps its first end, FAILURE "worker lost" (docs/scaling.md).
    assert after["records"][-1]["stream"] == "status"
    assert (after["records"][-1]["state"], after["records"][-1]["exit_code"]) == ("SUCCESS", 0)
    assert (after["state"], after["exit_code"]) == ("FAILURE", None)
    assert cluster_stack.task(task_id)["message"].startswith("worker lost")
    cluster_stack.wait_healthy(service, f"fluentd-{host}", timeout=180)


def test_a_redis_restart_mid_stream_loses_nothing(cluster_stack: ComposeStack) -> None:
    cmd, printed = paced_count(12000)
    task_id = cluster_stack.enqueue(cmd)
    viewers = follow_all(cluster_stack, [task_id], 4)
    try:
        wait_for(lambda: all(len(v.records) > 300 for v in viewers), 60, "viewers following")
        cluster_stack.compose("restart", "redis")
        log = cluster_stack.wait_finished(task_id, timeout=180)
        assert_viewers_hold_the_stored_logs(cluster_stack, viewers, {task_id: log})
    finally:
        close_all(viewers)
    assert_whole(log, printed)
    # New work runs too, on every host.
    after = [cluster_stack.enqueue(f"seq 1 {n}") for n in (10, 20, 30)]
    for n, later in zip((10, 20, 30), after, strict=True):
        assert_whole(cluster_stack.wait_finished(later, timeout=120), "".join(
            f"{i}\n" for i in range(1, n + 1)))  # fmt: skip
    cluster_stack.wait_healthy("redis", "web", "balancer")


def test_a_worker_added_while_tasks_run_takes_work_and_loses_none(
    cluster_stack: ComposeStack,
) -> None:
    running = [cluster_stack.enqueue(f"sleep 2; seq 1 {100 + n}") for n in range(6)]
    before = set(cluster_stack.containers("worker-a"))
    cluster_stack.compose("up", "-d", "--wait", "--no-recreate", "--scale", "worker-a=2")
    (added,) = set(cluster_stack.containers("worker-a")) - before
    later = [cluster_stack.enqueue(f"sleep 1; seq 1 {200 + n}") for n in range(16)]
    for n, task_id in enumerate(running):
        assert_whole(cluster_stack.wait_finished(task_id, timeout=180),
                     "".join(f"{i}\n" for i in range(1, 101 + n)))  # fmt: skip
    workers = set()
    for n, task_id in enumerate(later):
        assert_whole(cluster_stack.wait_finished(task_id, timeout=180),
                     "".join(f"{i}\n" for i in range(1, 201 + n)))  # fmt: skip
        workers.add(cluster_stack.task(task_id)["worker"])
    assert any(w.endswith(added[:12]) for w in workers), workers
