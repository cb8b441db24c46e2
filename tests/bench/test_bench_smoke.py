"""``make bench BENCH_ARGS=--quick`` in CI: the benchmarks run end to end against the real stack,
write well-formed JSON with every figure, and lose nothing. Speed is never asserted here."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.profile import parse_collapsed
from tests.support import fluentd

ROOT = Path(__file__).resolve().parents[2]
MACHINE_KEYS = {"date", "cpu_count", "cpu_model", "ram_gib", "os", "python", "git_commit"}


def _run_quick(out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,  # a hang guard: the quick run takes about 4 min on a busy 2-core machine
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
    assert isinstance(table, list) and len(table) >= 24
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
    follow = results["follow"]
    assert follow["finished"] and follow["in_order"], follow
    assert follow["lost"] == follow["duplicates"] == 0 and follow["samples"] == follow["lines"]
    cancel = results["cancel"]
    assert cancel["lost"] == 0 and cancel["revoked"] == cancel["tasks"], cancel
    assert {row["metric"] for row in table} >= {
        "follow stream: lone line p99 (10 lines/s)",
        "cancel -> REVOKED at a viewer p99",
    }
    _check_search(results["search"])
    # The Fluentd path side by side, whenever a fluentd runs here (always on CI: .ci/run).
    if fluentd.find() is not None:
        side = results["fluentd"]
        assert side["latency"]["lost"] == 0 and side["latency"]["in_order"]
        assert side["throughput"]["lost_in_store"] == side["throughput"]["lost_at_subscriber"] == 0
        assert side["fanout"]["lost"] == 0
        assert any(row["metric"].startswith("Fluentd: ") for row in table)


def _check_search(search: dict[str, Any]) -> None:
    """Every query found what the log holds, and every figure is a number."""
    assert search["indexing"]["lines_per_s"] > 0
    queries = {q["name"]: q for q in search["queries"]}
    one_in_997 = search["lines"] // 997
    assert queries["plain, 1 line in 997 (any case)"]["count"] == one_in_997
    assert queries["regex, 1 line in 997"]["count"] == one_in_997
    for query in queries.values():
        assert query["exact"], query
        for figure in (*query["first_page"].values(), *query["count_ms"].values()):
            assert math.isfinite(figure) and figure > 0, query
    assert [tail["lines"] for tail in search["tail"]] == [1_000, 100_000]


def test_the_search_bench_alone_prints_its_rows(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "search", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "search 20,000 lines, plain, rare (6 digits): first page median" in done.stdout
    assert "/lines?tail=500 on 100,000 lines: median" in done.stdout
    [path] = tmp_path.glob("quick-*.json")
    _check_search(json.loads(path.read_text())["results"]["search"])


def test_the_page_bench_times_opening_search_and_scrolling(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "page-search", "--out", str(tmp_path),
         "--page-lines", "2000", "5000"],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "typing stopped -> first match shown" in done.stdout  # the table was printed
    [path] = tmp_path.glob("page-search-quick-*.json")
    results = json.loads(path.read_text())["results"]["page-search"]
    assert (results["search_lines"], results["open_lines"]) == (2000, 5000)
    for figure in (
        results["open_short_s"],
        results["open_open_s"],
        results["search"]["first_match_ms"],
        results["scroll"]["longest_task_ms"],
    ):
        assert isinstance(figure, int | float) and math.isfinite(figure) and figure >= 0


def test_the_enqueue_profile_samples_the_web_under_single_requests(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.profile", "--enqueue", "300", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,  # a hang guard: about 20 s
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "300 POST /enqueue:" in done.stdout and ", 0 failed," in done.stdout
    [raw] = tmp_path.glob("profile-*/web.txt")
    assert parse_collapsed("web", raw.read_text()).inclusive  # joblook's own frames were sampled
    assert not list(tmp_path.glob("profile-*/worker.txt"))  # the web alone
