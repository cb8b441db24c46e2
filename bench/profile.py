"""``python -m bench.profile [--lines N] [--top K] [--enqueue N]``: where the time goes under load.

Starts the bench stack, attaches py-spy to the web, the shipper and the worker (with its pool
children, where the command runner lives), runs ``seq 1 N`` through the pipeline, and prints for
each service the functions that were on the CPU most (self samples) and the joblook functions
that include the most time. ``--enqueue N`` profiles the web alone under N single
``POST /enqueue`` from 8 clients instead (the enqueue bench's client, worker stopped). The raw
stacks are kept next to the JSON results for a flame graph (``inferno``/speedscope), in
``bench/results/profile-<time>/``.

Sampling is non-blocking, so the figures under load stay close to an unprofiled run; idle
threads (waiting on a socket or a lock) are left out, so the shares are of busy time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import enqueue, throughput
from bench.stack import Stack, bench_stack, pid_of

RESULTS = Path(__file__).resolve().parent / "results"
SERVICES = ("web", "shipper", "worker")
PY_SPY = Path(sys.executable).with_name("py-spy")
OWN_CODE = "joblook/"


@dataclass(frozen=True)
class Profile:
    """The samples of one service: self counts per frame, inclusive counts per joblook frame."""

    service: str
    samples: int
    own: Counter[str]
    inclusive: Counter[str]


def parse_collapsed(service: str, text: str) -> Profile:
    """Read py-spy's raw output: one ``frame;frame;...;leaf count`` line per distinct stack."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    samples = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(frame) for frame in stack.split(";")]
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            if OWN_CODE in frame:
                inclusive[frame] += count
    return Profile(service, samples, own, inclusive)


def _function(frame: str) -> str:
    # "name (path/file.py:123)" -> "name (path/file.py)": lines of one function add up.
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def render(profile: Profile, top: int) -> str:
    if not profile.samples:
        return f"{profile.service}: no busy samples"
    lines = [f"{profile.service}: {profile.samples} busy samples"]
    for title, counts in (("self", profile.own), ("including callees, joblook", profile.inclusive)):
        lines.append(f"  {title}:")
        for frame, count in counts.most_common(top):
            lines.append(f"    {100 * count / profile.samples:5.1f}%  {frame}")
    return "\n".join(lines)


def _spy(pid: int, out: Path, subprocesses: bool) -> subprocess.Popen[bytes]:
    argv = [str(PY_SPY), "record", "--pid", str(pid), "--format", "raw", "--output", str(out)]
    argv += ["--rate", "200", "--nonblocking", "--function"]
    if subprocesses:
        argv.append("--subprocesses")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--lines", type=int, default=300_000, help="lines the command prints")
    parser.add_argument("--top", type=int, default=12, help="functions listed per service")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the raw stacks go")
    parser.add_argument(
        "--enqueue",
        type=int,
        default=0,
        metavar="N",
        help="instead: the web alone, under N single POST /enqueue from 8 clients (worker stopped)",
    )
    args = parser.parse_args(argv)
    services = ("web",) if args.enqueue else SERVICES
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = args.out / f"profile-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="joblook-profile-") as tmp,
        bench_stack(Path(tmp)) as stack,
    ):
        if args.enqueue:
            stack.worker.stop()  # as in the enqueue bench: the API's share, not the worker's
        spies = {
            name: _spy(pid_of(stack, name), out_dir / f"{name}.txt", name == "worker")
            for name in services
        }
        try:
            summary = _enqueue(stack, args.enqueue) if args.enqueue else _lines(stack, args.lines)
        finally:
            for spy in spies.values():
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            for spy in spies.values():
                spy.wait(timeout=60)
    print(summary + "\n")
    for name in services:
        raw = out_dir / f"{name}.txt"
        text = raw.read_text() if raw.exists() else ""
        print(render(parse_collapsed(name, text), args.top), end="\n\n")
    print(f"raw stacks in {out_dir}")
    return 0


def _lines(stack: Stack, lines: int) -> str:
    result = throughput.run(stack, lines, timeout=600)
    stored, seen = result["store_lines_per_s"], result["subscriber_lines_per_s"]
    return f"seq 1 {lines}: {stored:,.0f} lines/s stored, {seen:,.0f} to a subscriber"


def _enqueue(stack: Stack, total: int) -> str:
    web = psutil.Process(pid_of(stack, "web"))
    before = sum(web.cpu_times()[:2])
    seconds, failures = enqueue.burst(stack.base_url, total, 8, enqueue.CLIENT_BODY)
    spent = sum(web.cpu_times()[:2]) - before  # py-spy's sampling included
    return (
        f"{total} POST /enqueue: {total / seconds:,.0f} requests/s, {len(failures)} failed, "
        f"{spent / total * 1e3:.2f} ms of web CPU each"
    )


if __name__ == "__main__":
    sys.exit(main())
