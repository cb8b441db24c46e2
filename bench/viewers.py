"""Many Socket.IO viewers of one task in one process: one ``bench.wire`` connection each.

Run by the fan-out benchmark as ``python -m bench.viewers ...``, once per client process. Prints
``ready`` once every viewer is connected and subscribed, then waits until each has the task's
terminal status (or the timeout), and writes what each received to ``--out`` as JSON. With
``JOBLOOK_TOKEN`` in its environment, every handshake carries it as a bearer header.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.wire import Connection
from joblook.record import STDOUT, TERMINAL_STATES

TERMINAL = TERMINAL_STATES
CONNECT_CONCURRENCY = 50  # handshakes in flight at once: no thundering herd at the server


class Viewer:
    """One connection; notes each line's print -> arrival latency and whether any went missing."""

    def __init__(self, session: aiohttp.ClientSession, url: str, task_id: str) -> None:
        self.connection = Connection(session, url, self.on_event)
        self.task_id = task_id
        self.latencies: list[float] = []
        self.next_line = 1
        self.bad = 0
        self.done = asyncio.Event()

    async def start(self) -> None:
        await self.connection.open()
        ack = await self.connection.call("subscribe", {"task_id": self.task_id, "after_seq": 0})
        if ack != {"ok": True}:
            raise RuntimeError(f"subscribe refused: {ack}")

    async def wait(self) -> None:
        """Until the terminal status arrives or the connection ends (nothing more would come)."""
        ended = asyncio.create_task(self.connection.closed.wait())
        finished = asyncio.create_task(self.done.wait())
        try:
            await asyncio.wait([ended, finished], return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            finished.cancel()

    def on_event(self, event: str, data: dict[str, Any]) -> None:
        if event != "log":
            return
        arrived = time.time()
        for r in data["records"]:
            if r["stream"] == STDOUT:
                n, printed = r["log"].split()
                if int(n) != self.next_line:
                    self.bad += 1
                self.next_line = int(n) + 1
                self.latencies.append(arrived - float(printed))
            elif r.get("state") in TERMINAL:
                self.done.set()


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)  # no cap on open connections
    token = os.environ.get("JOBLOOK_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        return await _watch(session, args)


async def _watch(session: aiohttp.ClientSession, args: argparse.Namespace) -> dict[str, Any]:
    viewers = [Viewer(session, args.url, args.task) for _ in range(args.viewers)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def start(viewer: Viewer) -> None:
        async with gate:
            await viewer.start()

    await asyncio.gather(*(start(v) for v in viewers))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    cpu_before, wall_before = _cpu_seconds(), time.monotonic()
    waits = [asyncio.wait_for(v.wait(), args.timeout) for v in viewers]
    await asyncio.gather(*waits, return_exceptions=True)
    cpu, wall = _cpu_seconds() - cpu_before, time.monotonic() - wall_before
    await asyncio.gather(*(v.connection.close() for v in viewers), return_exceptions=True)
    return {
        "viewers": len(viewers),
        "finished": sum(1 for v in viewers if v.done.is_set()),
        "lost": sum(max(0, args.lines + 1 - v.next_line) + v.bad for v in viewers),
        "complete": sum(1 for v in viewers if v.next_line == args.lines + 1 and not v.bad),
        "latencies": [round(x, 5) for v in viewers for x in v.latencies],
        "handshake_retries": sum(v.connection.retries for v in viewers),
        "cpu_seconds": round(cpu, 3),
        "wall_seconds": round(wall, 3),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--task", required=True)
    parser.add_argument("--viewers", type=int, required=True)
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_bytes(orjson.dumps(asyncio.run(_main(args))))


if __name__ == "__main__":
    main()
