"""Latency: a command prints a timestamped line every 10 ms; one subscribed Socket.IO client notes
when each arrives. Print -> receive, p50 and p99 (same machine, so both ends read one clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import printer
from bench.stack import Stack
from bench.stats import latency_ms
from bench.subscriber import Subscriber
from joblook.record import STDOUT


def run(stack: Stack, seconds: float, rate: float = 100.0) -> dict[str, Any]:
    count = round(seconds * rate)
    go_file = stack.root / "latency.go"
    arrivals = Arrivals()
    with Subscriber(stack.base_url, arrivals.on_records) as viewer:
        task_id = stack.enqueue(printer.command(count, rate, go_file))
        viewer.subscribe(task_id)
        Path(go_file).touch()  # subscribed first: every line travels live, none as backlog
        finished = viewer.wait_finished(task_id, timeout=seconds + 60)
    return arrivals.report(count, rate, finished)


class Arrivals:
    """What a viewer received of a printer's numbered, time-stamped lines."""

    def __init__(self) -> None:
        self.samples: list[float] = []  # seconds from print to arrival, one per line
        self.seen: list[int] = []  # line numbers, in arrival order

    def on_records(self, records: list[dict[str, Any]], arrived: float) -> None:
        for r in records:
            if r["stream"] == STDOUT:
                n, printed = r["log"].split()
                self.seen.append(int(n))
                self.samples.append(arrived - float(printed))

    def report(self, count: int, rate: float, finished: bool) -> dict[str, Any]:
        return {
            "lines": count,
            "lines_per_s": rate,
            **latency_ms(self.samples),
            "finished": finished,
            **losses(self.seen, count),
        }


def losses(seen: list[int], count: int) -> dict[str, int | bool]:
    """Lines 1..count that never arrived, arrived twice, or out of order."""
    distinct = set(seen)
    return {
        "lost": len(set(range(1, count + 1)) - distinct),
        "duplicates": len(seen) - len(distinct),
        "in_order": seen == sorted(seen),
    }
