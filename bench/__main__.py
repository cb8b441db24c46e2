"""``python -m bench [--quick | --compose] [--out DIR] [--only NAME ...]``: run the benchmarks,
print the table, write ``<DIR>/<profile>-<UTC timestamp>.json``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    cancel,
    compose,
    enqueue,
    fanout,
    fluentd,
    follow,
    latency,
    machine,
    page,
    relay,
    report,
    search,
    throughput,
)
from bench.profiles import COMPOSE, FULL, QUICK, Profile
from bench.stack import Stack, bench_stack

RESULTS = Path(__file__).resolve().parent / "results"
NAMES = (
    "latency",
    "throughput",
    "fanout",
    "enqueue",
    "follow",
    "cancel",
    "relay",
    "fluentd",
    "search",
)
# Each on a stack of its own; the others share one stack with joblook's shipper.
OWN_STACK = ("fluentd",)
# Run only when named with --only: the task page in headless Chromium (bench/page.py).
PAGE = "page-search"

log = logging.getLogger("bench")


def _benchmarks(profile: Profile, log_dir: Path) -> dict[str, Callable[[Stack], Any]]:
    p = profile
    return {
        "latency": lambda stack: latency.run(stack, p.latency_seconds),
        "throughput": lambda stack: throughput.run(stack, p.throughput_lines, timeout=600),
        "fanout": lambda stack: [
            fanout.run(stack, n, p.fanout_processes, p.fanout_seconds, lps=50.0)
            for n in p.fanout_viewers
        ],
        "enqueue": lambda stack: enqueue.run(
            stack,
            p.enqueue_requests,
            p.enqueue_clients,
            p.first_lines,
            batch_sizes=p.batch_sizes,
            batch_repeats=p.batch_repeats,
        ),
        "follow": lambda stack: follow.run(stack, p.follow_lines),
        "cancel": lambda stack: cancel.run(stack, p.cancel_samples),
        "relay": lambda _stack: relay.run(p.relay_lines, log_dir, timeout=300),
        "search": lambda stack: search.run(stack, p.search_lines, p.tail_lines),
    }


def _on_own_stack(profile: Profile, root: Path) -> dict[str, Callable[[], Any]]:
    return {"fluentd": lambda: fluentd.run(profile, root / "fluentd-stack")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="seconds-long run with small N")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the JSON")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=(*NAMES, PAGE),
        help="run only these (a table for follow, cancel, fluentd and search only)",
    )
    parser.add_argument(
        "--page-lines",
        nargs=2,
        type=int,
        metavar=("SEARCHED", "OPENED"),
        help=f"{PAGE}: lines of the searched log and of the long log opened "
        f"(default {page.FULL[0]:,} {page.FULL[1]:,}; --quick {page.QUICK[0]:,} {page.QUICK[1]:,})",
    )
    parser.add_argument(
        "--compose",
        action="store_true",
        help="latency and throughput locally and through docker compose, and its up --build times",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s")
    if args.compose:
        return _compose(args.out)
    if args.only == [PAGE]:
        lines = args.page_lines or (page.QUICK if args.quick else page.FULL)
        return _page(args.out, "quick" if args.quick else "full", *lines)
    profile = QUICK if args.quick else FULL
    chosen = args.only or list(NAMES)
    document: dict[str, Any] = {"machine": machine.describe(), "profile": vars(profile).copy()}
    results: dict[str, Any] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="joblook-bench-") as tmp:
        root = Path(tmp)
        benchmarks = _benchmarks(profile, root)
        shared = [name for name in chosen if name not in OWN_STACK]
        if shared:
            with bench_stack(root / "stack") as stack:
                for name in shared:
                    log.info("%s ...", name)
                    results[name] = benchmarks[name](stack)
                    log.info("%s: %s", name, results[name])
        own = _on_own_stack(profile, root)
        for name in (n for n in chosen if n in OWN_STACK):
            log.info("%s ...", name)
            results[name] = own[name]()
            log.info("%s: %s", name, results[name])
    document["results"] = results
    document["seconds"] = round(time.monotonic() - started, 1)
    document["load_average_after"] = machine.describe()["load_average"]
    if len(chosen) == len(NAMES):
        table = report.rows(results)
    else:  # the rows that stand on their own, e.g. Fluentd's while tuning fluent.conf
        table = report.follow_and_cancel_rows(results)
        table += report.fluentd_rows(results["fluentd"]) if results.get("fluentd") else []
        table += report.search_rows(results["search"]) if results.get("search") else []
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"{profile.name}-{stamp}.json"
    report.write(path, document, table)
    if table:
        print(report.render(table))
    print(f"\nwritten to {path} ({document['seconds']} s; see the JSON for every figure)")
    return 0


def _page(out: Path, profile: str, searched: int, opened: int) -> int:
    return _run_alone(
        out,
        name=f"{PAGE}-{profile}",
        profile=profile,
        run=lambda tmp: {PAGE: page.run(tmp / "stack", searched, opened)},
        rows=lambda results: page.rows(results[PAGE]),
        render=page.render,
        table_key="page_table",
    )


def _compose(out: Path) -> int:
    return _run_alone(
        out,
        name=COMPOSE.name,
        profile=vars(COMPOSE).copy(),
        run=lambda tmp: compose.run(COMPOSE.latency_seconds, COMPOSE.throughput_lines, tmp),
        rows=report.compose_rows,
        render=report.render_rows,
        table_key="compose_table",
    )


def _run_alone(
    out: Path,
    *,
    name: str,
    profile: object,
    run: Callable[[Path], Any],
    rows: Callable[[Any], list[dict[str, Any]]],
    render: Callable[[list[dict[str, Any]]], str],
    table_key: str,
) -> int:
    """A benchmark on a setup of its own (a temporary directory): its results, its table printed
    and both written to out/<name>-<time>.json."""
    document: dict[str, Any] = {"machine": machine.describe(), "profile": profile}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="joblook-bench-") as tmp:
        results = run(Path(tmp))
    document["results"] = results
    document["seconds"] = round(time.monotonic() - started, 1)
    document["load_average_after"] = machine.describe()["load_average"]
    table = rows(results)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{name}-{stamp}.json"
    report.write(path, {**document, table_key: table}, [])
    print(render(table))
    print(f"\nwritten to {path} ({document['seconds']} s; see the JSON for every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
