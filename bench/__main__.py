"""``python -m bench [--quick] [--compose] [--out DIR] [--only NAME ...]``: run the benchmarks,
print the table, write ``<DIR>/<profile>-<UTC timestamp>.json``.

``--compose``: latency and throughput locally and through the single-host compose stack, then the
cluster section (``deploy/cluster/compose.yml``); ``--compose --only cluster`` runs that section
alone, and ``--compose --quick`` a small one (a smoke run).
"""

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
    cluster,
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
from bench.profiles import CLUSTER, CLUSTER_QUICK, COMPOSE, FULL, QUICK, ClusterProfile, Profile
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
# With --compose: only the cluster section (bench/cluster.py).
CLUSTER_ONLY = "cluster"

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
        choices=(*NAMES, PAGE, CLUSTER_ONLY),
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
        help="latency and throughput locally and through docker compose, and its up --build times; "
        "then the cluster: through the balancer, fan-out over 1 and 2 web replicas",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s")
    cluster_only = args.only == [CLUSTER_ONLY]
    if args.only and cluster_only != bool(args.compose):
        parser.error(f"--only {CLUSTER_ONLY} goes with --compose, and is the only --only it takes")
    if args.only and PAGE in args.only and args.only != [PAGE]:
        parser.error(f"--only {PAGE} runs alone (it drives Chromium on a stack of its own)")
    if args.compose and (args.quick or args.only):
        return _cluster(args.out, CLUSTER_QUICK if args.quick else CLUSTER)
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
        tables=lambda results: {"page_table": page.rows(results[PAGE])},
        render=page.render,
    )


def _compose(out: Path) -> int:
    def run(tmp: Path) -> dict[str, Any]:
        results = compose.run(COMPOSE.latency_seconds, COMPOSE.throughput_lines, tmp)
        return results | {"cluster": cluster.run(CLUSTER, tmp)}

    return _run_alone(
        out,
        name=COMPOSE.name,
        profile={**vars(COMPOSE), "cluster": vars(CLUSTER)},
        run=run,
        tables=lambda results: {
            "compose_table": report.compose_rows(results),
            "cluster_table": report.cluster_rows(results["cluster"]),
        },
        render=report.render_rows,
    )


def _cluster(out: Path, sizes: ClusterProfile) -> int:
    return _run_alone(
        out,
        name=sizes.name,
        profile=vars(sizes),
        run=lambda tmp: {"cluster": cluster.run(sizes, tmp)},
        tables=lambda results: {"cluster_table": report.cluster_rows(results["cluster"])},
        render=report.render_rows,
    )


def _run_alone(
    out: Path,
    *,
    name: str,
    profile: object,
    run: Callable[[Path], Any],
    tables: Callable[[Any], dict[str, list[Any]]],
    render: Callable[[list[Any]], str],
) -> int:
    """A benchmark on a setup of its own (a temporary directory): its results, its tables printed
    and all written to out/<name>-<time>.json."""
    document: dict[str, Any] = {"machine": machine.describe(), "profile": profile}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="joblook-bench-") as tmp:
        results = run(Path(tmp))
    document["results"] = results
    document["seconds"] = round(time.monotonic() - started, 1)
    document["load_average_after"] = machine.describe()["load_average"]
    made = tables(results)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{name}-{stamp}.json"
    report.write(path, {**document, **made}, [])
    print("\n\n".join(render(table) for table in made.values()))
    print(f"\nwritten to {path} ({document['seconds']} s; see the JSON for every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
