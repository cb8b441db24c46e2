"""Enqueue: ``POST /enqueue`` per second through the API, tasks per second through batch
submit, and enqueue -> first line.

The rate: ``clients`` threads, each with its own kept-alive connection, share a fixed number of
requests. The worker is stopped meanwhile, so the figure is the API's (validate, write the task,
publish the Celery message) and not the API's share of two cores left over by a worker running
thousands of ``true`` commands; the queued messages are purged before the worker starts again.

Enqueue -> first line: one task at a time with the worker idle (a free slot): from the start of the
POST until a subscribed client receives the command's first output record.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import orjson
import requests

from bench.stack import Stack
from bench.stats import latency_ms, rate
from bench.subscriber import Subscriber
from joblook.record import STDOUT
from joblook.settings import Settings
from joblook.taskqueue import make_celery


def run(
    stack: Stack,
    requests_count: int,
    clients: int,
    first_lines: int,
    *,
    batch_sizes: tuple[int, ...] = (),
    batch_repeats: int = 1,
) -> dict[str, Any]:
    stack.worker.stop()
    try:
        api = _enqueue_rate(stack, requests_count, clients)
        batches = [_batch_rate(stack, size, batch_repeats) for size in batch_sizes]
    finally:
        _purge_queue(stack)
        stack.worker.start()
        stack.wait_ready()
    return {**api, "batch": batches, "first_line": _first_lines(stack, first_lines)}


def _batch_rate(stack: Stack, size: int, repeats: int) -> dict[str, Any]:
    """Tasks queued per second through ``POST /enqueue {"batch": [...]}``, one client: each
    request's tasks over its time from sending to the 202 (the body is encoded beforehand, so
    the client's JSON encoding is not counted). Median and best of ``repeats``."""
    body = orjson.dumps({"batch": [{"cmd": f"true {i}"} for i in range(size)]})
    headers = {"Content-Type": "application/json"}
    seconds: list[float] = []
    failed = 0
    with requests.Session() as http:
        for _ in range(repeats):
            start = time.perf_counter()
            reply = http.post(stack.url("/enqueue"), data=body, headers=headers, timeout=120)
            seconds.append(time.perf_counter() - start)
            if reply.status_code != 202 or len(reply.json()["task_ids"]) != size:
                failed += 1
    seconds.sort()
    return {
        "batch_size": size,
        "requests": repeats,
        "median_s": round(statistics.median(seconds), 4),
        "tasks_per_s": rate(size, statistics.median(seconds)),
        "best_tasks_per_s": rate(size, seconds[0]),
        "failed": failed,
    }


def _enqueue_rate(stack: Stack, total: int, clients: int) -> dict[str, Any]:
    remaining = iter(range(total))
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        with requests.Session() as http:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                reply = http.post(stack.url("/enqueue"), json={"cmd": "true"}, timeout=30)
                if reply.status_code != 202:
                    failures.append(f"{reply.status_code} {reply.text[:100]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    return {
        "requests": total,
        "clients": clients,
        "seconds": round(seconds, 3),
        "enqueues_per_s": rate(total, seconds),
        "failed": len(failures),
    }


def _purge_queue(stack: Stack) -> None:
    celery = make_celery(Settings.from_env(stack.env))
    try:
        celery.control.purge()
    finally:
        celery.close()


def _first_lines(stack: Stack, count: int) -> dict[str, Any]:
    """Enqueue -> first output record at a subscribed client, ``count`` times, one at a time."""
    first: dict[str, float] = {}
    got_first = threading.Event()

    def on_records(records: list[dict[str, Any]], arrived: float) -> None:
        for r in records:
            if r["stream"] == STDOUT and r["task_id"] not in first:
                first[r["task_id"]] = arrived
                got_first.set()

    samples: list[float] = []
    with Subscriber(stack.base_url, on_records) as viewer:
        for _ in range(count):
            got_first.clear()
            start = time.time()
            task_id = stack.enqueue("echo first")
            viewer.subscribe(task_id)
            if got_first.wait(30) and task_id in first:
                samples.append(first[task_id] - start)
            viewer.wait_finished(task_id, 30)  # the slot is free again before the next
            viewer.unsubscribe(task_id)
    return {"tasks": count, **latency_ms(samples), "lost": count - len(samples)}
