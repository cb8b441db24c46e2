"""The figures as a table (printed) and as JSON (written), each against its target from issue #7."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

Compare = Callable[[float, float], bool]
AT_MOST: Compare = operator.le
AT_LEAST: Compare = operator.ge


@dataclass(frozen=True)
class Row:
    metric: str
    value: float
    unit: str
    target: str  # "" when the figure has no target
    met: bool | None  # None when there is no target
    vs_relay: float | None  # throughput figures: how many times the reference relay's lines/s


def _row(metric: str, value: float, unit: str, target: tuple[Compare, float] | None = None,
         relay: float | None = None) -> Row:  # fmt: skip
    met = None if target is None else bool(target[0](value, target[1]))
    shown = "" if target is None else f"{'<=' if target[0] is AT_MOST else '>='} {target[1]:g}"
    ratio = round(value / relay, 1) if relay else None
    return Row(metric, value, unit, shown, met, ratio)


def rows(results: dict[str, Any]) -> list[Row]:
    relay = results["relay"]["lines_per_s"]
    latency, through, enq = results["latency"], results["throughput"], results["enqueue"]
    table = [
        _row("latency p50 (100 lines/s)", latency["p50_ms"], "ms", (AT_MOST, 5)),
        _row("latency p99 (100 lines/s)", latency["p99_ms"], "ms", (AT_MOST, 50)),
        _row("lines lost (latency)", latency["lost"], "lines", (AT_MOST, 0)),
        _row(f"throughput into store ({through['lines']:,} lines)",
             through["store_lines_per_s"], "lines/s", (AT_LEAST, 30_000), relay),
        _row("throughput to a subscriber", through["subscriber_lines_per_s"], "lines/s",
             (AT_LEAST, 15_000), relay),
        _row("lines lost (store + subscriber)",
             through["lost_in_store"] + through["lost_at_subscriber"], "lines", (AT_MOST, 0)),
    ]  # fmt: skip
    for fan in results["fanout"]:
        n = fan["viewers"]
        p99_target = (AT_MOST, 1000) if n >= 1000 else None
        table += [
            _row(f"fan-out {n} viewers: p99", fan["p99_ms"], "ms", p99_target),
            _row(f"fan-out {n} viewers: deliveries", fan["deliveries_per_s"], "lines/s",
                 relay=relay),
            _row(f"fan-out {n} viewers: lines lost", fan["lost"], "lines", (AT_MOST, 0)),
            _row(f"fan-out {n} viewers: web RSS peak", fan["web_rss_mib_peak"], "MiB"),
        ]  # fmt: skip
    table += [
        *enqueue_rows(enq),
        *(
            _row(
                f"batch submit ({b['batch_size']:,} per request)",
                b["tasks_per_s"],
                "tasks/s",
                (AT_LEAST, 10_000),
            )
            for b in enq.get("batch", [])
        ),
        _row("enqueue -> first line p50", enq["first_line"]["p50_ms"], "ms", (AT_MOST, 100)),
        _row("enqueue -> first line p99", enq["first_line"]["p99_ms"], "ms"),
        *follow_and_cancel_rows(results),
        _row("reference relay (1 POST per line)", relay, "lines/s"),
    ]
    if results.get("fluentd"):
        table += fluentd_rows(results["fluentd"], relay)
    if results.get("search"):
        table += search_rows(results["search"])
    return table


def enqueue_rows(enq: dict[str, Any]) -> list[Row]:
    """The single-request rate for each number of web processes measured (older results: one)."""
    runs = enq.get("by_web_processes") or [{"web_processes": 1, **enq}]
    table = []
    for run in runs:
        n = run["web_processes"]
        at = f"{enq['clients']} clients, {n} web process{'es' if n > 1 else ''}"
        table += [
            _row(f"POST /enqueue rate ({at})", run["enqueues_per_s"], "req/s", (AT_LEAST, 1000)),
            _row(f"POST /enqueue: web CPU per request ({n})", run["web_cpu_ms_per_request"], "ms"),
        ]
    return table


def search_rows(search: dict[str, Any]) -> list[Row]:
    """Search and windows of lines on big logs (issue #17): median and p95 over HTTP."""
    n = f"{search['lines']:,} lines"
    table = [_row(f"search: index {n} (append + catch-up)", search["indexing"]["lines_per_s"],
                  "lines/s")]  # fmt: skip
    if catch_up := search.get("catch_up"):
        table.append(_row(f"search: first read of {n} stored unindexed (catch-up)",
                          catch_up["lines_per_s"], "lines/s"))  # fmt: skip
    for q in search["queries"]:
        page, count = q["first_page"], q["count_ms"]
        table += [
            _row(f"search {n}, {q['name']}: first page median", page["median_ms"], "ms",
                 (AT_MOST, 200)),
            _row(f"search {n}, {q['name']}: first page p95", page["p95_ms"], "ms"),
            _row(f"search {n}, {q['name']}: count median", count["median_ms"], "ms",
                 (AT_MOST, 1000)),
            _row(f"search {n}, {q['name']}: count p95", count["p95_ms"], "ms"),
        ]  # fmt: skip
    for tail in search["tail"]:
        table.append(_row(f"/lines?tail=500 on {tail['lines']:,} lines: median",
                          tail["tail_500"]["median_ms"], "ms"))  # fmt: skip
    return table


def follow_and_cancel_rows(results: dict[str, Any]) -> list[Row]:
    """The figures the tests used to assert as bounds (those that ran): a lone line through the
    follow stream (the shipper test's 200 ms a line), a cancel taking effect (the cancellation
    test's 1 s) (the page in Chromium: `--only page-search`)."""
    table = []
    if follow := results.get("follow"):
        table += [
            _row("follow stream: lone line p50 (10 lines/s)", follow["p50_ms"], "ms"),
            _row("follow stream: lone line p99 (10 lines/s)", follow["p99_ms"], "ms",
                 (AT_MOST, 200)),
            _row("lines lost (follow stream)", follow["lost"] + follow["duplicates"], "lines",
                 (AT_MOST, 0)),
        ]  # fmt: skip
    if cancel := results.get("cancel"):
        table += [
            _row("cancel -> REVOKED at a viewer p50", cancel["p50_ms"], "ms"),
            _row("cancel -> REVOKED at a viewer p99", cancel["p99_ms"], "ms", (AT_MOST, 1000)),
            _row("cancels lost or not REVOKED", cancel["tasks"] - cancel["revoked"], "tasks",
                 (AT_MOST, 0)),
        ]  # fmt: skip
    return table


def fluentd_rows(fluentd: dict[str, Any], relay: float | None = None) -> list[Row]:
    """The Fluentd path against the shipper's targets (issue #15)."""
    latency, through, fan = fluentd["latency"], fluentd["throughput"], fluentd["fanout"]
    lost = latency["lost"] + through["lost_in_store"] + through["lost_at_subscriber"] + fan["lost"]
    return [
        _row("Fluentd: latency p50 (100 lines/s)", latency["p50_ms"], "ms", (AT_MOST, 5)),
        _row("Fluentd: latency p99 (100 lines/s)", latency["p99_ms"], "ms", (AT_MOST, 50)),
        _row(f"Fluentd: throughput into store ({through['lines']:,} lines)",
             through["store_lines_per_s"], "lines/s", (AT_LEAST, 30_000), relay),
        _row(f"Fluentd: fan-out {fan['viewers']} viewers: p99", fan["p99_ms"], "ms"),
        _row("Fluentd: lines lost (all runs)", lost, "lines", (AT_MOST, 0)),
    ]  # fmt: skip


def render(table: list[Row]) -> str:
    header = ("metric", "value", "unit", "target", "met", "x relay")
    lines = [header]
    for r in table:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        ratio = "" if r.vs_relay is None else f"{r.vs_relay:g}x"
        lines.append((r.metric, _number(r.value), r.unit, r.target, met, ratio))
    return _columns(lines)


def compose_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    """The compose profile: each figure for the local path and for compose, side by side, with
    compose's target (issue #14) and whether compose met it."""
    local, compose = results["local"], results["compose"]
    rows: list[tuple[str, ...]] = [("metric", "local", "compose", "unit", "target", "met")]

    def add(metric: str, here: float | None, there: float, unit: str,
            goal: tuple[str, bool] | None = None) -> None:  # fmt: skip
        target, met = goal if goal else ("", None)
        shown = "" if met is None else ("yes" if met else "NO")
        rows.append((metric, "" if here is None else _number(here), _number(there), unit,
                     target, shown))  # fmt: skip

    lat_l, lat_c = local["latency"], compose["latency"]
    add("latency p50 (100 lines/s)", lat_l["p50_ms"], lat_c["p50_ms"], "ms",
        ("<= 10", lat_c["p50_ms"] <= 10))  # fmt: skip
    add("latency p99 (100 lines/s)", lat_l["p99_ms"], lat_c["p99_ms"], "ms",
        ("<= 50", lat_c["p99_ms"] <= 50))  # fmt: skip
    add("lines lost (latency)", lat_l["lost"] + lat_l["duplicates"],
        lat_c["lost"] + lat_c["duplicates"], "lines",
        ("0", lat_c["lost"] + lat_c["duplicates"] == 0))  # fmt: skip
    thr_l, thr_c = local["throughput"], compose["throughput"]
    add(f"into the store ({thr_c['lines']:,} lines)", thr_l["store_lines_per_s"],
        thr_c["store_lines_per_s"], "lines/s")  # fmt: skip
    add("lines lost (store)", thr_l["lost_in_store"], thr_c["lost_in_store"], "lines",
        ("0", thr_c["lost_in_store"] == 0))  # fmt: skip
    up = compose["up"]
    add("first up --build (no build cache)", None, up["first_up_build_s"], "s")
    add("  of which the build", None, up["first_build_s"], "s")
    add("cached up --build", None, up["cached_up_build_s"], "s")
    return rows


def render_rows(rows: list[tuple[str, ...]]) -> str:
    return _columns(rows)


def _columns(lines: list[tuple[str, ...]]) -> str:
    header = lines[0]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for i, line in enumerate(lines):
        cells = [
            c.ljust(w) if j == 0 else c.rjust(w)
            for j, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def write(path: Path, document: dict[str, Any], table: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    full = {**document, "table": [asdict(r) for r in table]}
    path.write_bytes(orjson.dumps(full, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def _number(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:g}"


def cluster_rows(cluster: dict[str, Any]) -> list[tuple[str, ...]]:
    """The cluster section (issue #20): through the balancer and a worker host's own Fluentd,
    then the fan-out with each web replica count."""
    rows: list[tuple[str, ...]] = [("cluster (through the balancer)", "value", "unit", "target",
                                    "met")]  # fmt: skip

    def add(metric: str, value: float | str, unit: str, zero: bool = False) -> None:
        shown = value if isinstance(value, str) else _number(value)
        met = ("yes" if value == 0 else "NO") if zero else ""
        rows.append((metric, shown, unit, "0" if zero else "", met))

    lat, thr = cluster["latency"], cluster["throughput"]
    add("latency p50 (100 lines/s)", lat["p50_ms"], "ms")
    add("latency p99 (100 lines/s)", lat["p99_ms"], "ms")
    add("lines lost (latency)", lat["lost"] + lat["duplicates"], "lines", zero=True)
    add(f"seq 1 {thr['lines']:,} to a viewer ({thr['worker_host']})", thr["viewer_lines_per_s"],
        "lines/s")  # fmt: skip
    add("lines lost (viewer + store)", thr["lost_at_viewer"] + thr["lost_in_store"], "lines",
        zero=True)  # fmt: skip
    for fan in cluster["fanout"]:
        n = fan["web_replicas"]
        name = f"{fan['viewers']:,} viewers, {n} web replica{'s' if n > 1 else ''}"
        add(f"{name}: deliveries", fan["deliveries_per_s"], "lines/s")
        add(f"{name}: p50", fan["p50_ms"], "ms")
        add(f"{name}: p99", fan["p99_ms"], "ms")
        add(f"{name}: lines lost", fan["lost"], "lines", zero=True)
        add(f"{name}: viewers per replica", replica_split(fan["connections_per_replica"]), "")
        add(f"{name}: web CPU", fan["web_cpu_seconds"], "s")
        add(f"{name}: balancer CPU", fan["balancer_cpu_seconds"], "s")
    up = cluster["up"]
    add("cluster build + up --wait", up["build_s"] + up["up_s"], "s")
    return rows


def replica_split(connections: dict[str, int]) -> str:
    """Connections each replica holds, in replica order: "503 / 497"."""
    return " / ".join(str(connections[name]) for name in sorted(connections))
