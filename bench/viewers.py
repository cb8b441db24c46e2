"""Many Socket.IO viewers of one task in one process: one asyncio WebSocket per viewer.

Each viewer speaks the Socket.IO protocol (v5 over Engine.IO v4, WebSocket transport) itself, with
aiohttp, instead of through python-socketio's ``AsyncClient``. A real viewer is a browser on its
own machine; here a thousand of them share two cores with the server, and the AsyncClient's ~25 us
of Python per received event (as much as the server spends sending it) made the clients, not the
server, the bottleneck. This client does only what a browser must: the handshake, answering
pings, one ``subscribe`` with its ack, and parsing each ``log`` event with orjson (a browser's
``JSON.parse`` is native too).

Run by the fan-out benchmark as ``python -m bench.viewers ...``, once per client process. Prints
``ready`` once every viewer is connected and subscribed, then waits until each has the task's
terminal status (or the timeout), and writes what each received to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from joblook.record import STDOUT, State

TERMINAL = frozenset(s.value for s in State if s.is_terminal)
CONNECT_CONCURRENCY = 50  # handshakes in flight at once: no thundering herd at the server
# Engine.IO packet types (first character of a text frame) and Socket.IO's (the second).
EIO_OPEN, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "2", "3", "4"
SIO_CONNECT, SIO_EVENT, SIO_ACK = "0", "2", "3"
SUBSCRIBE_ACK_ID = 1
# A connection attempt that gets no answer in this long (say, its SYN was dropped while the
# server's listen backlog was full) is made again, rather than leaving the viewer hanging.
HANDSHAKE_SECONDS = 20.0
CONNECT_ATTEMPTS = 3


class Viewer:
    """One connection; notes each line's print -> arrival latency and whether any went missing."""

    def __init__(self, session: aiohttp.ClientSession, url: str, task_id: str) -> None:
        self.session = session
        self.url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.task_id = task_id
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.latencies: list[float] = []
        self.next_line = 1
        self.bad = 0
        self.retries = 0  # handshakes made again after stalling
        self.done = asyncio.Event()

    async def start(self) -> None:
        """Connect and subscribe; a handshake that stalls is retried, a refusal is not."""
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                await asyncio.wait_for(self._handshake(), HANDSHAKE_SECONDS)
                break
            except (TimeoutError, aiohttp.ClientError):
                if self.ws is not None:
                    await self.ws.close()
                if attempt == CONNECT_ATTEMPTS:
                    raise
                self.retries += 1
        self.reader = asyncio.create_task(self._read())

    async def _handshake(self) -> None:
        self.ws = ws = await self.session.ws_connect(self.url, autoping=False)
        await self._expect(EIO_OPEN)
        await ws.send_str(EIO_MESSAGE + SIO_CONNECT)
        await self._expect(EIO_MESSAGE + SIO_CONNECT)
        request = ["subscribe", {"task_id": self.task_id, "after_seq": 0}]
        await ws.send_str(EIO_MESSAGE + SIO_EVENT + str(SUBSCRIBE_ACK_ID) + _dumps(request))
        ack = await self._expect(EIO_MESSAGE + SIO_ACK + str(SUBSCRIBE_ACK_ID))
        if orjson.loads(ack) != [{"ok": True}]:
            raise RuntimeError(f"subscribe refused: {ack}")

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _expect(self, prefix: str) -> str:
        """The rest of the next frame that starts with ``prefix``; other frames are handled."""
        assert self.ws is not None
        while True:
            text = await self.ws.receive_str()
            if text.startswith(prefix):
                return text[len(prefix) :]
            await self._handle(text)

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            await self._handle(message.data)
        self.done.set()  # the connection ended: whatever is missing stays missing

    async def _handle(self, text: str) -> None:
        if text == EIO_PING:
            assert self.ws is not None
            await self.ws.send_str(EIO_PONG)
        elif text.startswith(EIO_MESSAGE + SIO_EVENT):
            event, data = orjson.loads(text[2:])
            if event == "log":  # the backlog may come before the subscribe's ack
                self.on_log(data)

    def on_log(self, data: dict[str, Any]) -> None:
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


def _dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)  # no cap on open connections
    async with aiohttp.ClientSession(connector=connector) as session:
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
    waits = [asyncio.wait_for(v.done.wait(), args.timeout) for v in viewers]
    finished = await asyncio.gather(*waits, return_exceptions=True)
    cpu, wall = _cpu_seconds() - cpu_before, time.monotonic() - wall_before
    await asyncio.gather(*(v.close() for v in viewers), return_exceptions=True)
    return {
        "viewers": len(viewers),
        "finished": sum(1 for f in finished if not isinstance(f, BaseException)),
        "lost": sum(max(0, args.lines + 1 - v.next_line) + v.bad for v in viewers),
        "complete": sum(1 for v in viewers if v.next_line == args.lines + 1 and not v.bad),
        "latencies": [round(x, 5) for v in viewers for x in v.latencies],
        "handshake_retries": sum(v.retries for v in viewers),
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
