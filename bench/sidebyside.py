"""``python -m bench.sidebyside OTHER_CHECKOUT [--rounds R] [--requests N]``: the web's CPU per
single ``POST /enqueue``, this checkout against another (say main's), under the same load.

On a shared machine a rate measured now and one measured ten minutes later differ by the other
users' load more than by the code. Here both stacks run at once (each started by its own
checkout's Python, worker stopped) and take turns: a burst of ``N`` requests from 8 clients to
one, then to the other, ``R`` times, each side first every other round. Printed per side: the
medians of the web's and Redis's CPU per request, of the rate, and the Redis commands one request
caused; then the median of this side's web CPU over the other's, taken round by round (both
bursts of a round met about the same load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis

from bench.enqueue import CLIENT_BODY, burst

# Run by each checkout's own Python, from that checkout: its stack, held until stdin closes.
HOLD = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, ".")
from bench.stack import bench_stack, pid_of
with tempfile.TemporaryDirectory() as tmp, bench_stack(Path(tmp)) as stack:
    stack.worker.stop()
    pids = pid_of(stack, "web"), pid_of(stack, "redis")
    print(stack.base_url, *pids, stack.redis_port, flush=True)
    sys.stdin.read()
"""
COUNTED = ("evalsha", "publish", "zadd", "lpush", "hset")  # what one enqueue asks Redis


@dataclass
class Side:
    name: str
    proc: subprocess.Popen[str]
    url: str
    web: psutil.Process
    redis_proc: psutil.Process
    redis: redis.Redis
    web_ms: list[float] = field(default_factory=list)
    redis_ms: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)


def start(name: str, checkout: Path) -> Side:
    python = checkout / ".venv" / "bin" / "python"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # leave the other checkout as it is
    proc = subprocess.Popen(
        [str(python), "-c", HOLD], cwd=checkout, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    url, web, redis_pid, port = proc.stdout.readline().split()
    return Side(name, proc, url, psutil.Process(int(web)), psutil.Process(int(redis_pid)),
                redis.Redis(port=int(port)))  # fmt: skip


def _cpu(process: psutil.Process) -> float:
    return float(sum(process.cpu_times()[:2]))


def measure(side: Side, requests: int, count_commands: bool) -> None:
    web, red = _cpu(side.web), _cpu(side.redis_proc)
    before = side.redis.info("commandstats") if count_commands else {}
    seconds, failed = burst(side.url, requests, 8, CLIENT_BODY)
    assert not failed, failed[:3]
    side.web_ms.append((_cpu(side.web) - web) / requests * 1e3)
    side.redis_ms.append((_cpu(side.redis_proc) - red) / requests * 1e3)
    side.rates.append(requests / seconds)
    if count_commands:
        after = side.redis.info("commandstats")
        calls = {
            name: round(
                (after[key]["calls"] - before.get(key, {"calls": 0})["calls"]) / requests, 2
            )
            for name in COUNTED
            if (key := f"cmdstat_{name}") in after
        }
        print(f"{side.name}: Redis commands per request {calls}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sidebyside", description=__doc__)
    parser.add_argument("other", type=Path, help="the other checkout (with its own .venv)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=400, help="per burst")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    sides = [start("other", args.other.resolve()), start("this", here)]
    try:
        for side in sides:
            burst(side.url, 200, 8, CLIENT_BODY)  # warm up
        for round_ in range(args.rounds):
            # Each goes first every other round: the load may change within a round too.
            for side in sides if round_ % 2 == 0 else sides[::-1]:
                measure(side, args.requests, count_commands=round_ == 0)
        for s in sides:
            print(
                f"{s.name}: web CPU {statistics.median(s.web_ms):.2f} ms/request, Redis CPU "
                f"{statistics.median(s.redis_ms):.2f} ms, {statistics.median(s.rates):.0f} "
                f"requests/s (medians of {args.rounds})"
            )
        other, this = sides
        ratios = [b / a for a, b in zip(other.web_ms, this.web_ms, strict=True)]
        fewer = sum(r < 1 for r in ratios)
        print(
            f"this/other web CPU, round by round: median {statistics.median(ratios):.2f} "
            f"(this spent less in {fewer} of {len(ratios)} rounds)"
        )
        print(f"load average {os.getloadavg()}")
    finally:
        for side in sides:
            if side.proc.stdin is not None:
                side.proc.stdin.close()
            side.proc.wait(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
