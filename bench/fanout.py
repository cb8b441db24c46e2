"""Fan-out: N Socket.IO viewers of one task that prints 50 lines/s. Every viewer must get every
line; p99 print -> receive over all viewers' lines; the web server's peak RSS.

The viewers run in ``processes`` client processes (``bench.viewers``: one asyncio WebSocket
per viewer, speaking the Socket.IO protocol), on the same two cores as the stack; the result
says how much CPU they used next to the web server's, so a reader can tell which side was the
bottleneck. ``ViewerProcesses`` is that crowd of viewers, also used through a balancer
(``bench.cluster``).
"""

from __future__ import annotations

import os
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
from joblook.closing import Closing

ROOT = Path(__file__).resolve().parent.parent
RSS_SAMPLE_SECONDS = 0.25


def run(stack: Stack, viewers: int, processes: int, seconds: float, lps: float) -> dict[str, Any]:
    lines = round(seconds * lps)
    tag = f"fanout-{viewers}"
    go_file = stack.root / f"{tag}.go"
    task_id = stack.enqueue(printer.command(lines, lps, go_file))
    web = psutil.Process(pid_of(stack, "web"))
    rss_before = process_rss(web.pid)
    crowd = ViewerProcesses(
        stack.base_url, task_id, viewers=viewers, processes=processes, lines=lines,
        prefix=stack.root / tag, timeout=seconds + 120,
    )  # fmt: skip
    with crowd:
        peak = _PeakRss(web.pid)
        try:
            crowd.wait_ready(timeout=120 + viewers / 10)
            web_cpu_before = sum(web.cpu_times()[:2])
            go_file.touch()
            crowd.wait_done()
            web_cpu = sum(web.cpu_times()[:2]) - web_cpu_before
        finally:
            peak.stop()
    return {
        "viewers": viewers,
        "client_processes": processes,
        "lines": lines,
        "lines_per_s": lps,
        **crowd.results(),
        "web_rss_mib_before": round(rss_before / 2**20, 1),
        "web_rss_mib_peak": round(peak.value / 2**20, 1),
        "web_cpu_seconds": round(web_cpu, 2),
    }


class ViewerProcesses(Closing):
    """``viewers`` viewers of one task that prints ``lines`` numbered lines, spread over
    ``processes`` ``bench.viewers`` processes that write what they received next to ``prefix``
    (``<prefix>-<i>.json``, their errors in ``.log``). Each viewer waits at most ``timeout``
    seconds, once all are ready, for the terminal status. ``token`` reaches the processes in their
    environment, not on a command line."""

    def __init__(self, url: str, task_id: str, *, viewers: int, processes: int, lines: int,
                 prefix: Path, timeout: float, token: str | None = None) -> None:  # fmt: skip
        self.url, self.task_id, self.viewers, self.lines = url, task_id, viewers, lines
        self.timeout = timeout
        self.shares = [viewers // processes + (i < viewers % processes) for i in range(processes)]
        self.outs = [prefix.with_name(f"{prefix.name}-{i}.json") for i in range(processes)]
        self.logs = [prefix.with_name(f"{prefix.name}-{i}.log") for i in range(processes)]
        self.env = {**os.environ, **({"JOBLOOK_TOKEN": token} if token else {})}
        self.clients: list[subprocess.Popen[bytes]] = []
        self.connect_seconds = 0.0

    def wait_ready(self, timeout: float) -> None:
        """Starts the processes; returns once every viewer is connected and subscribed."""
        started = time.monotonic()
        self.clients = [self._spawn(i) for i in range(len(self.shares))]
        try:
            _wait_ready([c.stdout for c in self.clients if c.stdout], timeout)
        except (RuntimeError, TimeoutError) as exc:
            said = [log.read_text()[-2000:] for log in self.logs]
            raise RuntimeError(f"{exc}; the viewer processes said:\n" + "\n".join(said)) from None
        self.connect_seconds = time.monotonic() - started

    def wait_done(self) -> None:
        """Until every process has written what its viewers received."""
        deadline = time.monotonic() + self.timeout + 60
        for client in self.clients:
            client.wait(max(1.0, deadline - time.monotonic()))

    def close(self) -> None:
        for client in self.clients:
            if client.poll() is None:
                client.kill()
                client.wait()

    def results(self) -> dict[str, Any]:
        """What the viewers received, summed over the processes."""
        parts = [orjson.loads(out.read_bytes()) for out in self.outs]
        wall = max(p["wall_seconds"] for p in parts)
        return {
            **latency_ms([x for p in parts for x in p["latencies"]]),
            "viewers_complete": sum(p["complete"] for p in parts),
            "lost": sum(p["lost"] for p in parts),
            "deliveries_per_s": rate(self.lines * self.viewers, wall),
            "connect_seconds": round(self.connect_seconds, 2),
            "handshake_retries": sum(p["handshake_retries"] for p in parts),
            "client_cpu_seconds": round(sum(p["cpu_seconds"] for p in parts), 2),
            "stream_seconds": round(wall, 2),
        }

    def _spawn(self, i: int) -> subprocess.Popen[bytes]:
        argv = [
            sys.executable, "-m", "bench.viewers", "--url", self.url, "--task", self.task_id,
            "--viewers", str(self.shares[i]), "--lines", str(self.lines),
            "--timeout", str(self.timeout), "--out", str(self.outs[i]),
        ]  # fmt: skip
        with self.logs[i].open("ab") as errors:
            return subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                    stderr=errors, stdin=subprocess.DEVNULL)  # fmt: skip


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
