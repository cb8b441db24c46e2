"""One Socket.IO viewer (python-socketio's threaded client) that hands each ``log`` event's records,
with their arrival time, to a callback, and notes when the task's terminal status arrives."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import socketio

from joblook.record import State

OnRecords = Callable[[list[dict[str, Any]], float], None]
TERMINAL = frozenset(s.value for s in State if s.is_terminal)


class Subscriber:
    """Connects on ``__enter__``; ``subscribe`` a task; ``wait_finished`` for its last record."""

    def __init__(self, base_url: str, on_records: OnRecords) -> None:
        self.base_url = base_url
        self._on_records = on_records
        self._finished: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.disconnected = False
        self.client = socketio.Client(reconnection=False)
        self.client.on("log", self._on_log)
        self.client.on("disconnect", self._on_disconnect)

    def __enter__(self) -> Subscriber:
        self.client.connect(self.base_url, transports=["websocket"], wait_timeout=10)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.client.disconnect()

    def subscribe(self, task_id: str, after_seq: int = 0) -> None:
        with self._lock:
            self._finished.setdefault(task_id, threading.Event())
        ack = self.client.call(
            "subscribe", {"task_id": task_id, "after_seq": after_seq}, timeout=10
        )
        if ack != {"ok": True}:
            raise RuntimeError(f"subscribe to {task_id} refused: {ack}")

    def unsubscribe(self, task_id: str) -> None:
        self.client.call("unsubscribe", {"task_id": task_id}, timeout=10)

    def wait_finished(self, task_id: str, timeout: float) -> bool:
        """True once the task's terminal status record has arrived; False after ``timeout`` or
        as soon as the connection drops (nothing more will arrive: no reconnection here)."""
        with self._lock:
            event = self._finished.setdefault(task_id, threading.Event())
        return event.wait(timeout) and not self.disconnected

    def _on_disconnect(self, *_reason: object) -> None:
        self.disconnected = True
        with self._lock:
            waiting = list(self._finished.values())
        for event in waiting:
            event.set()

    def _on_log(self, data: dict[str, Any]) -> None:
        arrived = time.time()
        records = data["records"]
        self._on_records(records, arrived)
        last = records[-1] if records else None
        if last is not None and last.get("state") in TERMINAL:
            with self._lock:
                event = self._finished.setdefault(data["task_id"], threading.Event())
            event.set()
