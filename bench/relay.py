"""Measuring the reference relay: one client POSTs N lines, one after another on a kept-alive
connection, while one subscribed Socket.IO client receives them. Lines/s until the last arrives."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.stats import rate
from bench.subscriber import Subscriber
from bench.throughput import Checker
from joblook.record import STDOUT, new_task_id, timestamp
from tests.support.processes import free_port
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parent.parent


def run(lines: int, log_dir: Path, timeout: float) -> dict[str, Any]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with (log_dir / "relay.log").open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.relay_app", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        http = requests.Session()
        wait_for(lambda: _answers(http, base_url), 30, "the reference relay to listen", 0.05)
        return _measure(http, base_url, lines, timeout)
    finally:
        server.terminate()
        server.wait(10)


def _measure(http: requests.Session, base_url: str, lines: int, timeout: float) -> dict[str, Any]:
    task_id = new_task_id()
    received = Checker()
    received.next_seq = 2  # the lines carry seqs 2..N+1, as they would after a STARTED record
    with Subscriber(base_url, received.check) as viewer:
        viewer.subscribe(task_id)
        start = time.time()
        deadline = start + timeout
        for n in range(1, lines + 1):
            line = {"task_id": task_id, "seq": n + 1, "time": timestamp(), "stream": STDOUT}
            http.post(f"{base_url}/sync", json={**line, "log": f"{n}\n"}, timeout=10)
            if time.time() > deadline:
                break
        while received.next_seq <= lines + 1 and time.time() < deadline:
            time.sleep(0.01)
    seconds = received.last_arrival - start
    return {
        "lines": lines,
        "seconds": round(seconds, 3),
        "lines_per_s": rate(lines, seconds),
        "lost": lines + 2 - received.next_seq + received.bad,
    }


def _answers(http: requests.Session, base_url: str) -> bool:
    try:
        return http.get(f"{base_url}/socket.io/?EIO=4&transport=polling", timeout=1).ok
    except requests.RequestException:
        return False
