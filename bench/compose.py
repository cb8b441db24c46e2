"""The compose profile (``python -m bench --compose``): print-to-viewer latency and lines per
second into the store through the Docker Compose stack, side by side with the local path in the
same run, and how long a first and a cached ``docker compose up --build`` take.

Through compose a line goes: the command in a worker container -> its task file on the task-logs
volume -> Fluentd (in_tail, file buffer, out_http) -> the web container's /sync -> Redis -> a
Socket.IO viewer on the host, through the published port. The printing command runs inside the
worker container and the viewer on the host; both read the same kernel clock.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import latency, printer, throughput
from bench.stack import bench_stack
from bench.stats import rate
from bench.subscriber import Subscriber
from tests.support.composestack import ComposeStack

log = logging.getLogger("bench")

# Seconds the printing command waits before its first line: time for the viewer to subscribe,
# so every line travels live (a container cannot see the local benchmark's go file).
PRINT_DELAY = 3.0
PAGE = 50_000  # records per /permlog read when checking a stored log


def _seconds(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return round(time.monotonic() - started, 1)


@contextmanager
def compose_stack(root: Path) -> Iterator[tuple[ComposeStack, dict[str, float]]]:
    """A compose stack of its own (project, ports, image tag), timed on the way up, and
    ``down -v``-ed afterwards with its image removed."""
    run = secrets.token_hex(4)
    image = f"joblook:bench-{run}"
    stack = ComposeStack(root, f"jl-bench-{run}", image, {"JOBLOOK_LOG_LEVEL": "WARNING"})
    timings: dict[str, float] = {}
    try:
        # First: nothing of this image cached (the base images are there, as after a pull).
        timings["first_build_s"] = _seconds(lambda: stack.compose("build", "--no-cache"))
        timings["first_up_s"] = _seconds(stack.up)
        timings["first_up_build_s"] = round(timings["first_build_s"] + timings["first_up_s"], 1)
        stack.compose("down")
        # Cached: `up --build` again with the same source, on volumes that already exist.
        timings["cached_up_build_s"] = _seconds(lambda: stack.up("--build"))
        yield stack, timings
    finally:
        stack.down()
        subprocess.run(["docker", "image", "rm", "-f", image], capture_output=True, check=False)


def compose_latency(stack: ComposeStack, seconds: float, lines_per_s: float = 100.0) -> dict:
    count = round(seconds * lines_per_s)
    arrivals = latency.Arrivals()
    with Subscriber(stack.base_url, arrivals.on_records, token=stack.token) as viewer:
        task_id = stack.enqueue(printer.inline_command(count, lines_per_s, PRINT_DELAY))
        viewer.subscribe(task_id)
        finished = viewer.wait_finished(task_id, timeout=seconds + PRINT_DELAY + 60)
    return arrivals.report(count, lines_per_s, finished)


def compose_throughput(stack: ComposeStack, lines: int, timeout: float) -> dict[str, Any]:
    """``seq 1 N`` until the store holds every record (GET /tasks/ID counts them), then every
    stored record is checked through /permlog."""
    total = lines + 2  # STARTED, the lines, SUCCESS
    start = time.time()
    task_id = stack.enqueue(f"seq 1 {lines}")
    deadline = start + timeout
    while stack.task(task_id)["records"] < total and time.time() < deadline:
        time.sleep(0.02)
    to_store = time.time() - start
    checker = check_stored(stack, task_id)
    return {
        "lines": lines,
        "seconds_to_store": round(to_store, 3),
        "store_lines_per_s": rate(lines, to_store),
        "stored_records": checker.next_seq - 1,
        "lost_in_store": total - (checker.next_seq - 1) + checker.bad,
    }


def check_stored(stack: ComposeStack, task_id: str) -> throughput.Checker:
    """Every stored record of a ``seq 1 N`` task, read page by page through /permlog."""
    checker = throughput.Checker()
    after = 0
    while page := stack.http.get(
        stack.url("/permlog"),
        params={"task_id": task_id, "after_seq": after, "limit": PAGE},
        timeout=60,
    ).json()["records"]:
        checker.check(page)
        after = page[-1]["seq"]
    return checker


def run(latency_seconds: float, throughput_lines: int, root: Path) -> dict[str, Any]:
    """Local path first (the same figures as the full run), then compose."""
    results: dict[str, Any] = {}
    with bench_stack(root / "local") as local:
        log.info("local latency, throughput ...")
        results["local"] = {
            "latency": latency.run(local, latency_seconds),
            "throughput": throughput.run(local, throughput_lines, timeout=600),
        }
    log.info("compose: build and up ...")
    with compose_stack(root / "compose") as (stack, timings):
        log.info("compose: %s; latency, throughput ...", timings)
        results["compose"] = {
            "up": timings,
            "latency": compose_latency(stack, latency_seconds),
            "throughput": compose_throughput(stack, throughput_lines, timeout=600),
        }
    return results
