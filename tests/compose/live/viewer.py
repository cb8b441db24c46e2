"""A Socket.IO viewer of one task, followed from the host through a compose stack's published
port (the web service, or the cluster's balancer)."""

from __future__ import annotations

import threading
from typing import Any

from joblook.record import TERMINAL_STATES
from tests.support.composestack import ComposeStack
from tests.support.socketclient import InOrderClient


class Viewer:
    """A Socket.IO client following one task, as the task page does: after a dropped connection
    it reconnects and resubscribes after the last seq it holds."""

    def __init__(self, stack: ComposeStack, task_id: str) -> None:
        self.records: list[dict[str, Any]] = []
        self.connects = 0
        self.done = threading.Event()
        self.client = InOrderClient(reconnection=True, reconnection_delay=0.5)
        self.client.on("connect", lambda: self._subscribe(task_id))
        self.client.on("log", self._on_log)
        self.client.connect(stack.base_url, transports=["websocket"],
                            auth={"token": stack.token}, wait_timeout=10)  # fmt: skip

    def _subscribe(self, task_id: str) -> None:
        self.connects += 1
        after = self.records[-1]["seq"] if self.records else 0
        self.client.emit("subscribe", {"task_id": task_id, "after_seq": after})

    def _on_log(self, data: dict[str, Any]) -> None:
        self.records.extend(data["records"])
        if self.records and self.records[-1].get("state") in TERMINAL_STATES:
            self.done.set()
