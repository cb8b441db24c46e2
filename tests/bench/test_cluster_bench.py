"""The cluster section's own logic (bench.cluster, bench.report): which replica served how many
viewers, which worker host ran a task, the table, and the printer that waits for a go file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench import printer
from bench.__main__ import main
from bench.cluster import ClusterStack, established_to
from bench.report import cluster_rows, replica_split

FANOUT = {
    "viewers": 1000,
    "deliveries_per_s": 48_000.0,
    "p50_ms": 40.0,
    "p99_ms": 900.0,
    "lost": 0,
    "web_cpu_seconds": 12.5,
    "balancer_cpu_seconds": 3.25,
}
RESULTS: dict[str, Any] = {
    "up": {"build_s": 30.0, "up_s": 45.5},
    "latency": {"p50_ms": 12.0, "p99_ms": 60.0, "lost": 0, "duplicates": 1},
    "throughput": {
        "lines": 100_000,
        "worker_host": "worker-b",
        "viewer_lines_per_s": 20_000.0,
        "lost_at_viewer": 0,
        "lost_in_store": 0,
    },
    "fanout": [
        {**FANOUT, "web_replicas": 2, "connections_per_replica": {"p-web-2": 497, "p-web-1": 503}},
        {**FANOUT, "web_replicas": 1, "connections_per_replica": {"p-web-1": 1000}},
    ],
}


def test_replica_split_lists_connections_in_replica_order() -> None:
    assert replica_split({"p-web-2": 497, "p-web-1": 503}) == "503 / 497"
    assert replica_split({"p-web-1": 1000}) == "1000"


def test_cluster_table_has_a_row_per_figure_and_flags_any_line_lost() -> None:
    rows = {row[0]: row[1:] for row in cluster_rows(RESULTS)}
    assert rows["lines lost (latency)"] == ("1", "lines", "0", "NO")  # a duplicate counts
    assert rows["lines lost (viewer + store)"] == ("0", "lines", "0", "yes")
    assert rows["seq 1 100,000 to a viewer (worker-b)"][0] == "20,000"
    assert rows["1,000 viewers, 2 web replicas: viewers per replica"][0] == "503 / 497"
    assert rows["1,000 viewers, 1 web replica: viewers per replica"][0] == "1000"
    assert rows["1,000 viewers, 1 web replica: balancer CPU"][0] == "3.25"
    assert rows["cluster build + up --wait"][0] == "75.5"


# A replica's /proc/<pid>/net/tcp: the listener, two viewers' connections (22B8 is 8888), one
# closing, and the replica's own connection out to Redis (port 6379 is 18EB).
TCP_TABLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001 0 1 1
   1: 0A000005:22B8 0A000009:C5A2 01 00000000:00000000 00:00000000 00000000 10001 0 2 1
   2: 0A000005:22B8 0A000009:C5A4 01 00000000:00000000 00:00000000 00000000 10001 0 3 1
   3: 0A000005:22B8 0A000009:C5A6 06 00000000:00000000 00:00000000 00000000 10001 0 4 1
   4: 0A000005:9C40 0A000002:18EB 01 00000000:00000000 00:00000000 00000000 10001 0 5 1
"""


def test_a_replica_serves_the_established_connections_to_its_port() -> None:
    assert established_to(8888, TCP_TABLE) == 2
    assert established_to(6379, TCP_TABLE) == 0  # Redis's port is the far end, not this one
    assert established_to(8888, TCP_TABLE.splitlines()[0]) == 0


def test_worker_hosts_are_found_by_the_container_id_their_hostname_is(tmp_path: Path) -> None:
    stack = ClusterStack.__new__(ClusterStack)  # no checkout copy: only `compose ps` is asked
    listed = (
        '{"ID":"0123456789abcdef","Service":"worker-a"}\n{"ID":"fedcba9876543210","Service":"web"}'
    )
    stack.compose = lambda *args, **kwargs: listed  # type: ignore[method-assign]
    assert stack.hosts_by_hostname() == {"0123456789ab": "worker-a", "fedcba987654": "web"}


def test_only_cluster_needs_compose_and_compose_takes_no_other_only() -> None:
    for argv in (["--only", "cluster"], ["--compose", "--only", "latency"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2, argv


def test_the_page_bench_is_refused_beside_others_with_a_usage_error() -> None:
    # It runs Chromium on a stack of its own: beside others it once ended in a KeyError.
    with pytest.raises(SystemExit) as exited:
        main(["--only", "enqueue", "page-search"])
    assert exited.value.code == 2


def test_inline_printer_prints_nothing_until_its_go_file_exists(tmp_path: Path) -> None:
    go_file = tmp_path / "go"
    command = printer.inline_command(3, 100.0, go_file=str(go_file))
    # The worker image's `python`; here the running interpreter stands in for it.
    shell = ["bash", "-c", command.replace("python -", f"{sys.executable} -", 1)]
    with subprocess.Popen(shell, stdout=subprocess.PIPE, text=True) as proc:
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting for the go file
        told = time.time()
        go_file.touch()
        out, _ = proc.communicate(timeout=30)
    lines = [line.split() for line in out.splitlines()]
    assert [n for n, _ in lines] == ["1", "2", "3"]
    assert all(float(printed) >= told for _, printed in lines)
