"""Follow: a command prints a time-stamped line every 100 ms, and ``GET /tasks/<id>/log?follow=1``
(what ``curl -N`` and ``joblook logs -f`` read) notes when each arrives. Every line travels alone:
worker -> file -> shipper -> /sync -> store -> the follow stream's wait on the store's notice.

The integration and unit tests used to assert pieces of this path with wall-clock bounds (the first
line within 2.5 s, a lone line at /sync within 200 ms, a waiter woken within 1 s); they now check
only that the lines arrive, once and in order, while the command still runs, and the figures are
here.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import orjson

from bench import printer
from bench.latency import losses
from bench.stack import Stack
from bench.stats import latency_ms
from joblook.record import STDOUT

RATE = 10.0  # lines per second: far enough apart that each goes through the path by itself


def run(stack: Stack, lines: int, rate: float = RATE) -> dict[str, Any]:
    go_file = stack.root / "follow.go"
    task_id = stack.enqueue(printer.command(lines, rate, go_file))
    arrivals = _Arrivals(go_file)
    url = stack.url(f"/tasks/{task_id}/log")
    params = {"follow": "1", "format": "jsonl"}  # the STARTED record comes first: the go signal
    with stack.http.get(url, params=params, stream=True, timeout=lines / rate + 60) as reply:
        reply.raise_for_status()
        reader = threading.Thread(target=arrivals.read, args=(reply,), daemon=True)
        reader.start()
        reader.join(lines / rate + 60)
    return {
        "lines": lines,
        "lines_per_s": rate,
        **latency_ms(arrivals.samples),
        "finished": not reader.is_alive(),
        **losses(arrivals.seen, lines),
    }


class _Arrivals:
    """The printer's lines as the follow stream delivered them: numbers and print -> arrival."""

    def __init__(self, go_file: Path) -> None:
        self.go_file = go_file
        self.samples: list[float] = []
        self.seen: list[int] = []

    def read(self, reply: Any) -> None:
        """Until the stream ends (it does when the task ends)."""
        for line in reply.iter_lines(chunk_size=None):
            arrived = time.time()
            r = orjson.loads(line)
            if r["stream"] == STDOUT:
                n, printed = r["log"].split()
                self.seen.append(int(n))
                self.samples.append(arrived - float(printed))
            elif r.get("state") == "STARTED":
                self.go_file.touch()  # the stream is open: every line is followed live
