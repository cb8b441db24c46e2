"""Fan-out: N Socket.IO viewers of one task that prints 50 lines/s. Every viewer must get every
line; p99 print -> receive over all viewers' lines; the web server's peak RSS.

The viewers run in ``processes`` client processes (``bench.viewers``: one asyncio WebSocket
per viewer, speaking the Socket.IO protocol), on the same two cores as the stack; the result
says how much CPU they used next to the web server's, so a reader can tell which side was the
bottleneck.
"""

from __future__ import annotations

import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import orjson
import psutil

from bench import printer
from bench.stack import Stack, pid_of, process_rss
from bench.stats import latency_ms, rate

ROOT = Path(__file__).resolve().parent.parent
RSS_SAMPLE_SECONDS = 0.25


def run(stack: Stack, viewers: int, processes: int, seconds: float, lps: float) -> dict[str, Any]:
    lines = round(seconds * lps)
    tag = f"fanout-{viewers}"
    go_file = stack.root / f"{tag}.go"
    task_id = stack.enqueue(printer.command(lines, lps, go_file))
    web = psutil.Process(pid_of(stack, "web"))
    rss_before = process_rss(web.pid)
    shares = [viewers // processes + (i < viewers % processes) for i in range(processes)]
    outs = [stack.root / f"{tag}-{i}.json" for i in range(processes)]
    connect_start = time.monotonic()
    clients = [
        _spawn(
            stack, task_id, share, lines, seconds + 120, out=out, log=stack.root / f"{tag}-{i}.log"
        )
        for i, (share, out) in enumerate(zip(shares, outs, strict=True))
    ]
    peak = _PeakRss(web.pid)
    try:
        try:
            _wait_ready([c.stdout for c in clients if c.stdout], timeout=120 + viewers / 10)
        except (RuntimeError, TimeoutError) as exc:
            errors = [(stack.root / f"{tag}-{i}.log").read_text()[-2000:] for i in range(processes)]
            raise RuntimeError(f"{exc}; the viewer processes said:\n" + "\n".join(errors)) from None
        connect_seconds = time.monotonic() - connect_start
        web_cpu_before = sum(web.cpu_times()[:2])
        go_file.touch()
        for client in clients:
            client.wait(seconds + 180)
        web_cpu = sum(web.cpu_times()[:2]) - web_cpu_before
    finally:
        peak.stop()
        for client in clients:
            if client.poll() is None:
                client.kill()
    parts = [orjson.loads(out.read_bytes()) for out in outs]
    wall = max(p["wall_seconds"] for p in parts)
    return {
        "viewers": viewers,
        "client_processes": processes,
        "lines": lines,
        "lines_per_s": lps,
        **latency_ms([x for p in parts for x in p["latencies"]]),
        "viewers_complete": sum(p["complete"] for p in parts),
        "lost": sum(p["lost"] for p in parts),
        "deliveries_per_s": rate(lines * viewers, wall),
        "connect_seconds": round(connect_seconds, 2),
        "handshake_retries": sum(p["handshake_retries"] for p in parts),
        "web_rss_mib_before": round(rss_before / 2**20, 1),
        "web_rss_mib_peak": round(peak.value / 2**20, 1),
        "web_cpu_seconds": round(web_cpu, 2),
        "client_cpu_seconds": round(sum(p["cpu_seconds"] for p in parts), 2),
        "stream_seconds": round(wall, 2),
    }


def _spawn(
    stack: Stack, task_id: str, viewers: int, lines: int, timeout: float, *, out: Path, log: Path
) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable, "-m", "bench.viewers", "--url", stack.base_url, "--task", task_id,
        "--viewers", str(viewers), "--lines", str(lines), "--timeout", str(timeout),
        "--out", str(out),
    ]  # fmt: skip
    with log.open("ab") as errors:
        return subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL
        )


def _wait_ready(pipes: list[IO[bytes]], timeout: float) -> None:
    """Until every client process has printed ``ready`` (all its viewers subscribed)."""
    deadline = time.monotonic() + timeout
    waiting = list(pipes)
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{len(waiting)} viewer processes not ready after {timeout:.0f} s")
        readable, _, _ = select.select(waiting, [], [], left)
        for pipe in readable:
            line = pipe.readline()
            if line.strip() != b"ready":
                raise RuntimeError(f"a viewer process failed before it was ready: {line!r}")
            waiting.remove(pipe)


class _PeakRss:
    """Samples a process's RSS in the background and keeps the largest value."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.value = process_rss(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_SECONDS):
            self.value = max(self.value, process_rss(self.pid))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.value = max(self.value, process_rss(self.pid))
