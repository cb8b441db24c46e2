"""A minimal Socket.IO client (protocol v5 over Engine.IO v4, WebSocket transport) on aiohttp.

The benchmarks' viewers use it instead of python-socketio's clients, for two reasons:

- Cost. A real viewer is a browser on its own machine; here a thousand of them share two cores
  with the server, and ``AsyncClient`` spent ~25 us of Python per received event, as much as the
  server spent sending it, so the clients became the bottleneck being measured.
- Order. The threaded ``Client`` hands every message to a new thread, so under load two ``log``
  events can reach the callback swapped, and a checker sees a gap the server never made.

It does only what a browser must: the handshake, answering pings, events with acks (its own, and
the web's requests: services/joblook/web/acks.py), and parsing each event with orjson (a browser's
``JSON.parse`` is native too). Events are handled in the order they arrived, one at a time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

# Engine.IO packet types (first character of a text frame) and Socket.IO's (the second).
EIO_OPEN, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "2", "3", "4"
SIO_CONNECT, SIO_EVENT, SIO_ACK = "0", "2", "3"
# A connection attempt that gets no answer in this long (say, its SYN was dropped while the
# server's listen backlog was full) is made again, rather than leaving the viewer hanging.
HANDSHAKE_SECONDS = 20.0
CONNECT_ATTEMPTS = 3
ACK_SECONDS = 30.0

OnEvent = Callable[[str, Any], None]


class Connection:
    """One Socket.IO connection; ``on_event(name, data)`` runs for every event, in order."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, on_event: OnEvent) -> None:
        self.session = session
        self.url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.on_event = on_event
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.retries = 0  # handshakes made again after stalling
        self.closed = asyncio.Event()  # set when the server or the network ended the connection
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect; a handshake that stalls is made again, up to CONNECT_ATTEMPTS times."""
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
        self._reader = asyncio.create_task(self._read())

    async def call(self, event: str, data: Any) -> Any:
        """Emit ``event`` and return the server's acknowledgement (its first argument)."""
        assert self.ws is not None, "open() first"
        ack_id = next(self._ids)
        reply = self._acks[ack_id] = asyncio.get_running_loop().create_future()
        payload = orjson.dumps([event, data]).decode()
        await self.ws.send_str(f"{EIO_MESSAGE}{SIO_EVENT}{ack_id}{payload}")
        try:
            return await asyncio.wait_for(reply, ACK_SECONDS)
        finally:
            self._acks.pop(ack_id, None)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _handshake(self) -> None:
        self.ws = ws = await self.session.ws_connect(self.url, autoping=False)
        if not (await ws.receive_str()).startswith(EIO_OPEN):
            raise aiohttp.ClientError("no Engine.IO open packet")
        await ws.send_str(EIO_MESSAGE + SIO_CONNECT)
        while not (text := await ws.receive_str()).startswith(EIO_MESSAGE + SIO_CONNECT):
            await self._handle(text)

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                await self._handle(message.data)
        finally:
            self.closed.set()
            for reply in self._acks.values():
                reply.cancel()

    async def _handle(self, text: str) -> None:
        if text == EIO_PING:
            assert self.ws is not None
            await self.ws.send_str(EIO_PONG)
        elif text.startswith(EIO_MESSAGE + SIO_EVENT):
            digits = "".join(itertools.takewhile(str.isdigit, text[2:]))
            event, data = orjson.loads(text[2 + len(digits) :])
            self.on_event(event, data)
            if digits:  # the web asks for an acknowledgement now and then (web/acks.py)
                assert self.ws is not None
                await self.ws.send_str(f"{EIO_MESSAGE}{SIO_ACK}{digits}[]")
        elif text.startswith(EIO_MESSAGE + SIO_ACK):
            digits = "".join(itertools.takewhile(str.isdigit, text[2:]))
            reply = self._acks.get(int(digits)) if digits else None
            if reply is not None and not reply.done():
                args = orjson.loads(text[2 + len(digits) :])
                reply.set_result(args[0] if args else None)
