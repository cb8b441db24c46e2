"""``make bench BENCH_ARGS=--quick`` in CI: the benchmarks run end to end against the real stack,
write well-formed JSON with every figure, and lose nothing. Speed is never asserted here."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support import fluentd

ROOT = Path(__file__).resolve().parents[2]
MACHINE_KEYS = {"date", "cpu_count", "cpu_model", "ram_gib", "os", "python", "git_commit"}


def _run_quick(out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "throughput into store" in done.stdout  # the table was printed
    [path] = out.glob("quick-*.json")
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def test_quick_bench_writes_every_figure_and_loses_no_line(tmp_path: Path) -> None:
    document = _run_quick(tmp_path)
    machine = document["machine"]
    assert isinstance(machine, dict) and machine.keys() >= MACHINE_KEYS
    table = document["table"]
    assert isinstance(table, list) and len(table) >= 18
    for row in table:
        assert isinstance(row["value"], int | float) and math.isfinite(row["value"]), row
    results = document["results"]
    assert isinstance(results, dict)
    assert results["latency"]["lost"] == 0 and results["latency"]["duplicates"] == 0
    assert results["latency"]["in_order"] and results["latency"]["finished"]
    assert results["throughput"]["lost_in_store"] == 0
    assert results["throughput"]["lost_at_subscriber"] == 0
    for fan in results["fanout"]:
        assert fan["lost"] == 0 and fan["viewers_complete"] == fan["viewers"], fan
    assert results["enqueue"]["failed"] == 0 and results["enqueue"]["first_line"]["lost"] == 0
    batches = results["enqueue"]["batch"]
    assert [b["batch_size"] for b in batches] == [1_000, 10_000]
    assert all(b["failed"] == 0 and b["tasks_per_s"] > 0 for b in batches), batches
    assert sum(row["metric"].startswith("batch submit") for row in table) == 2
    assert results["relay"]["lost"] == 0
    # The Fluentd path side by side, whenever a fluentd runs here (always on CI: .ci/run).
    if fluentd.find() is not None:
        side = results["fluentd"]
        assert side["latency"]["lost"] == 0 and side["latency"]["in_order"]
        assert side["throughput"]["lost_in_store"] == side["throughput"]["lost_at_subscriber"] == 0
        assert side["fanout"]["lost"] == 0
        assert any(row["metric"].startswith("Fluentd: ") for row in table)
