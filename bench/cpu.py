"""``python -m bench.cpu [--shipper fluentd] [--lines N]``: the CPU seconds each service spends on
``seq 1 N`` through the pipeline (with its children: Fluentd's worker, the worker's pool), next to
the throughput, so the cost per line of the shipper and of Fluentd can be compared."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import psutil

from bench import throughput
from bench.stack import bench_stack


def _cpu_seconds(proc: psutil.Process) -> float:
    try:
        family = [proc, *proc.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in family)
    except psutil.NoSuchProcess:
        return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    parser.add_argument("--shipper", choices=("joblook", "fluentd"), default="joblook")
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_stack(Path(tmp), shipper=args.shipper) as stack,
    ):
        procs = {s.name: psutil.Process(s.proc.pid) for s in stack.services if s.proc}
        before = {name: _cpu_seconds(proc) for name, proc in procs.items()}
        result = throughput.run(stack, args.lines, timeout=600)
        spent = {name: _cpu_seconds(proc) - before[name] for name, proc in procs.items()}
    print(f"{args.shipper}: {result['store_lines_per_s']:,.0f} lines/s into the store")
    for name, seconds in spent.items():
        print(f"  {name:8} {seconds:6.2f} s CPU, {1e6 * seconds / args.lines:5.2f} us a line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
