"""Enqueue: ``POST /enqueue`` per second through the API, tasks per second through batch
submit, and enqueue -> first line.

The rate: ``clients`` threads, each with its own kept-alive connection, share a fixed number of
requests. The worker is stopped meanwhile, so the figure is the API's (validate, write the task,
publish the Celery message) and not the API's share of two cores left over by a worker running
thousands of ``true`` commands; the queued messages are purged before the worker starts again.
The clients send with ``http.client`` and a body encoded once: ``requests`` cost the client 1.5 ms
of CPU per request, more than half of what the web spent, on the same two cores. Alongside each
rate, the CPU time the web process, Redis and the client spent per request (or per batch task):
what the rate would be on cores of its own.

Enqueue -> first line: one task at a time with the worker idle (a free slot): from the start of the
POST until a subscribed client receives the command's first output record.
"""

from __future__ import annotations

import http.client
import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import orjson
import psutil
import requests

from bench.stack import Stack, pid_of
from bench.stats import latency_ms, rate
from bench.subscriber import Subscriber
from joblook.record import STDOUT
from joblook.settings import Settings
from joblook.taskqueue import make_celery
from tests.support.stack import answers
from tests.support.waiting import wait_for


def run(
    stack: Stack,
    requests_count: int,
    clients: int,
    first_lines: int,
    *,
    batch_sizes: tuple[int, ...] = (),
    batch_repeats: int = 1,
) -> dict[str, Any]:
    """The single-request rate is measured with one web process (the default) and, on a machine
    with more cores, again with one per core (``JOBLOOK_WEB_PROCESSES``); the top-level figures
    are the one-process run's, ``by_web_processes`` has each."""
    stack.worker.stop()
    try:
        api = _enqueue_rate(stack, requests_count, clients)
        by_processes = [{"web_processes": 1, **api}]
        cores = os.cpu_count() or 1
        if cores > 1:
            with web_processes(stack, cores):
                more = _enqueue_rate(stack, requests_count, clients)
            by_processes.append({"web_processes": cores, **more})
        batches = [_batch_rate(stack, size, batch_repeats) for size in batch_sizes]
    finally:
        _purge_queue(stack)
        stack.worker.start()
        stack.wait_ready()
    return {
        **api,
        "by_web_processes": by_processes,
        "batch": batches,
        "first_line": _first_lines(stack, first_lines),
    }


@contextmanager
def web_processes(stack: Stack, count: int) -> Iterator[None]:
    """The stack's web restarted as ``count`` processes for the block, then as it was."""
    web = {s.name: s for s in stack.services}["web"]
    before = dict(web.env)

    def restart(env: dict[str, str]) -> None:
        web.stop()
        web.env = env
        web.start()
        wait_for(lambda: answers(stack.url("/healthz")), 60, "the web to answer")

    restart({**before, "JOBLOOK_WEB_PROCESSES": str(count)})
    try:
        yield
    finally:
        restart(before)


def _batch_rate(stack: Stack, size: int, repeats: int) -> dict[str, Any]:
    """Tasks queued per second through ``POST /enqueue {"batch": [...]}``, one client: each
    request's tasks over its time from sending to the 202 (the body is encoded beforehand, so
    the client's JSON encoding is not counted). Median and best of ``repeats``."""
    body = orjson.dumps({"batch": [{"cmd": f"true {i}"} for i in range(size)]})
    headers = {"Content-Type": "application/json"}
    seconds: list[float] = []
    failed = 0
    with requests.Session() as http, _cpu_spent(stack) as spent:
        for _ in range(repeats):
            start = time.perf_counter()
            reply = http.post(stack.url("/enqueue"), data=body, headers=headers, timeout=120)
            seconds.append(time.perf_counter() - start)
            if reply.status_code != 202 or len(reply.json()["task_ids"]) != size:
                failed += 1
    seconds.sort()
    tasks = size * repeats
    return {
        "batch_size": size,
        "requests": repeats,
        "median_s": round(statistics.median(seconds), 4),
        "tasks_per_s": rate(size, statistics.median(seconds)),
        "best_tasks_per_s": rate(size, seconds[0]),
        "failed": failed,
        "web_cpu_us_per_task": round(spent["web"] / tasks * 1e6, 1),
        "redis_cpu_us_per_task": round(spent["redis"] / tasks * 1e6, 1),
    }


CLIENT_BODY = orjson.dumps({"cmd": "true"})


def _enqueue_rate(stack: Stack, total: int, clients: int) -> dict[str, Any]:
    """After a tenth as many requests to warm up (a just-started web process loads modules and
    the Lua script on its first requests), ``total`` requests from ``clients``."""
    burst(stack.base_url, max(total // 10, clients), clients, CLIENT_BODY, _auth(stack))
    with _cpu_spent(stack) as spent:
        seconds, failures = burst(stack.base_url, total, clients, CLIENT_BODY, _auth(stack))
    split = spent.pop("web_each")
    return {
        "requests": total,
        "clients": clients,
        "seconds": round(seconds, 3),
        "enqueues_per_s": rate(total, seconds),
        "failed": len(failures),
        **{
            f"{name}_cpu_ms_per_request": round(cpu / total * 1e3, 3) for name, cpu in spent.items()
        },
        # How evenly the serving processes shared the work (one figure with one process).
        "web_cpu_s_each": [round(cpu, 3) for cpu in split],
    }


def burst(
    base_url: str, total: int, clients: int, body: bytes, auth: dict[str, str] | None = None
) -> tuple[float, list[str]]:
    """``total`` POST /enqueue of ``body`` shared by ``clients`` threads, each on one kept-alive
    ``http.client`` connection; the seconds they took and the replies that were not 202."""
    remaining = iter(range(total))
    lock = threading.Lock()
    failures: list[str] = []
    where = urlsplit(base_url)
    headers = {"Content-Type": "application/json", **(auth or {})}

    def client() -> None:
        connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
        try:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                connection.request("POST", "/enqueue", body, headers)
                reply = connection.getresponse()
                text = reply.read()
                if reply.status != 202:
                    failures.append(f"{reply.status} {text[:100]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, failures


def _auth(stack: Stack) -> dict[str, str]:
    """The stack's token header, as ``requests`` sends it for the stack (none without tokens)."""
    token = stack.http.headers.get("Authorization")
    return {"Authorization": str(token)} if token else {}


@contextmanager
def _cpu_spent(stack: Stack) -> Iterator[dict[str, Any]]:
    """CPU seconds (user + system) the web's processes, Redis and this process spent in the
    block; ``web_each``: each serving web process's."""
    web = psutil.Process(pid_of(stack, "web"))
    processes = {
        "web": [web, *web.children(recursive=True)],  # JOBLOOK_WEB_PROCESSES: the serving ones
        "redis": [psutil.Process(pid_of(stack, "redis"))],
        "client": [psutil.Process()],
    }
    serving = processes["web"][1:] or processes["web"]
    before = {name: _cpu(group) for name, group in processes.items()}
    each = [_cpu([p]) for p in serving]
    spent: dict[str, Any] = {}
    yield spent
    spent |= {name: _cpu(group) - before[name] for name, group in processes.items()}
    spent["web_each"] = [_cpu([p]) - was for p, was in zip(serving, each, strict=True)]


def _cpu(processes: list[psutil.Process]) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in processes)


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
