"""A Socket.IO viewer on a bare WebSocket whose test decides when it reads.

python-socketio's clients read on threads of their own, so they cannot stop reading; this one reads
only inside ``read_until``, as a browser tab that is busy elsewhere. While it reads it does what
a browser's client does: it answers pings, and it acknowledges every event that asks.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import orjson
import websocket

# Engine.IO packet types (first character of a frame), then Socket.IO's (the second).
OPEN, PING, PONG, MESSAGE = "0", "2", "3", "4"
CONNECT, EVENT, ACK = "0", "2", "3"


class RawViewer:
    """One Socket.IO connection to ``base_url``; ``records`` is every log record it has read."""

    def __init__(self, base_url: str) -> None:
        url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.records: list[dict[str, Any]] = []
        self.log_events = 0
        self.acks_sent = 0
        self.connected = False
        self._replies: dict[int, Any] = {}
        self._ids = itertools.count(1)
        # As a browser, which checks UTF-8 natively: websocket-client checks it in pure Python, at
        # about a megabyte a second.
        self.ws = websocket.create_connection(url, timeout=10, skip_utf8_validation=True)
        assert self.ws.recv().startswith(OPEN)
        self.ws.send(MESSAGE + CONNECT)
        self.read_until(lambda: self.connected, 10)

    def emit(self, event: str, data: Any) -> int:
        """Send ``event`` asking for a reply; its id, for ``reply``."""
        ack_id = next(self._ids)
        self.ws.send(f"{MESSAGE}{EVENT}{ack_id}{orjson.dumps([event, data]).decode()}")
        return ack_id

    def reply(self, ack_id: int, timeout: float) -> Any:
        self.read_until(lambda: ack_id in self._replies, timeout)
        return self._replies.pop(ack_id)

    def read_until(self, done: Callable[[], object], timeout: float) -> None:
        """Read and handle frames until ``done()``; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            assert left > 0, f"not done after {timeout} s ({len(self.records)} records read)"
            self.ws.settimeout(left)
            self._handle(self.ws.recv())

    def close(self) -> None:
        self.ws.close()

    def _handle(self, frame: str) -> None:
        if frame == PING:
            self.ws.send(PONG)
        elif frame.startswith(MESSAGE + CONNECT):
            self.connected = True
        elif frame.startswith(MESSAGE + EVENT):
            digits = "".join(itertools.takewhile(str.isdigit, frame[2:]))
            event, data = orjson.loads(frame[2 + len(digits) :])
            if event == "log":
                self.records.extend(data["records"])
                self.log_events += 1
            if digits:
                self.ws.send(f"{MESSAGE}{ACK}{digits}[]")
                self.acks_sent += 1
        elif frame.startswith(MESSAGE + ACK):
            digits = "".join(itertools.takewhile(str.isdigit, frame[2:]))
            self._replies[int(digits)] = orjson.loads(frame[2 + len(digits) :])[0]
