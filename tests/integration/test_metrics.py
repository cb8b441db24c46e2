"""Prometheus metrics from a real stack: the web's /metrics and a worker's own port."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import free_port
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose worker serves its metrics (no tokens: the unit tests check those)."""
    env = {"JOBLOOK_WORKER_METRICS_PORT": str(free_port())}
    with running_stack(tmp_path_factory.mktemp("metrics"), env, concurrency=2) as running:
        yield running


def samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 200, reply.text
    found = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def worker_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['JOBLOOK_WORKER_METRICS_PORT']}/metrics"


def test_a_finished_task_shows_in_the_webs_and_the_workers_metrics(stack: Stack) -> None:
    before = samples(stack.url("/metrics"))
    started = threading.Event()
    with stack.socket_client() as viewer:
        viewer.on("log", lambda *_: started.set())
        task_id = stack.enqueue("for i in 1 2 3; do echo line $i; sleep 0.2; done; echo oops >&2")
        assert viewer.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        assert samples(stack.url("/metrics"))[("joblook_viewers", ())] == 1
        stack.wait_finished(task_id)
        assert started.wait(10)
    web = samples(stack.url("/metrics"))

    def grew(name: str, labels: tuple[tuple[str, str], ...] = ()) -> float:
        return web.get((name, labels), 0) - before.get((name, labels), 0)

    assert grew("joblook_task_transitions_total", (("state", "SUCCESS"),)) == 1
    assert grew("joblook_sync_records_total", (("outcome", "stored"),)) >= 6  # 4 lines, 2 states
    assert web[("joblook_feed_lag_seconds_count", ())] >= 1
    assert web[("joblook_store_up", ())] == 1
    assert web[("joblook_workers", (("queue", "celery"),))] == 1

    # The worker's own port sums its pool processes.
    def counted() -> dict | None:
        worker = samples(worker_url(stack))
        done = worker.get(("joblook_worker_tasks_ended_total", (("state", "SUCCESS"),)), 0)
        return worker if done >= 1 else None

    worker = wait_for(counted, 10, "the worker to count the task")
    assert worker[("joblook_worker_output_bytes_total", (("stream", "stdout"),))] >= 21
    assert worker[("joblook_worker_output_bytes_total", (("stream", "stderr"),))] >= 5
    assert worker[("joblook_worker_tasks_running", ())] == 0
    assert worker[("joblook_worker_task_duration_seconds_count", ())] >= 1
    assert worker[("joblook_worker_last_heartbeat_timestamp_seconds", ())] > 0


def test_a_running_task_is_counted_while_it_runs(stack: Stack) -> None:
    task_id = stack.enqueue("sleep 3")
    wait_for(lambda: stack.task(task_id)["state"] == "STARTED", 20, "the task to start")
    assert samples(worker_url(stack))[("joblook_worker_tasks_running", ())] == 1
    assert samples(stack.url("/metrics"))[("joblook_tasks_running", ())] >= 1
    stack.wait_finished(task_id)
    assert samples(worker_url(stack))[("joblook_worker_tasks_running", ())] == 0
