"""One Socket.IO viewer for the single-client benchmarks: hands each ``log`` event's records,
with their arrival time, to a callback (in arrival order), and notes when a task's terminal
status arrives. A ``bench.wire`` connection on an event loop in a background thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aiohttp

from bench.wire import Connection
from joblook.closing import Closing
from joblook.record import TERMINAL_STATES

OnRecords = Callable[[list[dict[str, Any]], float], None]
TERMINAL = TERMINAL_STATES
T = TypeVar("T")


class Subscriber(Closing):
    """Connects on ``__enter__``; ``subscribe`` a task; ``wait_finished`` for its last record."""

    def __init__(self, base_url: str, on_records: OnRecords, token: str | None = None) -> None:
        self.base_url = base_url
        # Sent with the handshake as a bearer header, which the web checks like ``auth.token``.
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._on_records = on_records
        self._finished: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.disconnected = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._session: aiohttp.ClientSession | None = None
        self._connection: Connection | None = None

    def open(self) -> None:
        self._thread.start()
        self._run(self._open())

    def close(self) -> None:
        try:
            self._run(self._close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def subscribe(self, task_id: str, after_seq: int = 0) -> None:
        with self._lock:
            self._finished.setdefault(task_id, threading.Event())
        ack = self._call("subscribe", {"task_id": task_id, "after_seq": after_seq})
        if ack != {"ok": True}:
            raise RuntimeError(f"subscribe to {task_id} refused: {ack}")

    def unsubscribe(self, task_id: str) -> None:
        self._call("unsubscribe", {"task_id": task_id})

    def wait_finished(self, task_id: str, timeout: float) -> bool:
        """True once the task's terminal status record has arrived; False after ``timeout`` or
        as soon as the connection drops (nothing more will arrive: no reconnection here)."""
        with self._lock:
            event = self._finished.setdefault(task_id, threading.Event())
        return event.wait(timeout) and not self.disconnected

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    def _call(self, event: str, data: dict[str, Any]) -> Any:
        assert self._connection is not None, "use the Subscriber as a context manager"
        return self._run(self._connection.call(event, data))

    async def _open(self) -> None:
        self._session = aiohttp.ClientSession(headers=self._headers)
        self._connection = Connection(self._session, self.base_url, self._on_event)
        await self._connection.open()
        asyncio.get_running_loop().create_task(self._watch_close(self._connection))

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        if self._session is not None:
            await self._session.close()

    async def _watch_close(self, connection: Connection) -> None:
        await connection.closed.wait()
        self.disconnected = True
        with self._lock:
            waiting = list(self._finished.values())
        for event in waiting:
            event.set()

    def _on_event(self, event: str, data: dict[str, Any]) -> None:
        if event != "log":
            return
        arrived = time.time()
        records = data["records"]
        self._on_records(records, arrived)
        last = records[-1] if records else None
        if last is not None and last.get("state") in TERMINAL:
            with self._lock:
                finished = self._finished.setdefault(data["task_id"], threading.Event())
            finished.set()
