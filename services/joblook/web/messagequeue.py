"""Socket.IO's message queue between web processes, with the emits of a few milliseconds sent as
one Redis PUBLISH.

python-socketio's ``RedisManager`` hands an emit to this process's own clients at once and
publishes it for the other web processes, one PUBLISH per emit: a Redis round trip that cost a
single ``POST /enqueue`` about a sixth of its CPU on eventlet (the "new task" news). Here an emit
still reaches this process's clients at once, but what is published within ``WINDOW`` seconds goes
out as one message, the list of them in order, and the listener hands a list's messages on one by
one. Every web process runs this class, so every listener understands the lists; a single message
is published as before, as python-socketio's own manager would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from socketio import RedisManager

CHANNEL = "flask-socketio"  # Flask-SocketIO's default, kept so a mixed rollout still hears itself
WINDOW = 0.002  # seconds an emit may wait for others to share its publish


class CoalescingRedisManager(RedisManager):
    """A ``RedisManager`` whose publishes within ``window`` seconds share one PUBLISH, in order."""

    name = "joblook-redis"

    def __init__(self, url: str, window: float = WINDOW, **options: Any) -> None:
        super().__init__(url, channel=CHANNEL, **options)
        self.window = window
        self._pending: list[dict[str, Any]] = []
        self._pending_lock = threading.Lock()  # green under eventlet's monkey-patching
        self._publishing = threading.Lock()  # one flush at a time, so lists go out in order

    def _publish(self, data: dict[str, Any]) -> None:
        with self._pending_lock:
            self._pending.append(data)
            first = len(self._pending) == 1
        if first:  # the others join it until the flush takes them
            self.server.start_background_task(self._flush_after_window)

    def _flush_after_window(self) -> None:
        self.server.sleep(self.window)
        with self._publishing:
            with self._pending_lock:
                batch, self._pending = self._pending, []
            if batch:
                super()._publish(batch[0] if len(batch) == 1 else batch)

    def _listen(self) -> Iterator[Any]:
        for message in super()._listen():
            data = self._loads(message)
            if isinstance(data, list):
                yield from data
            else:
                yield data  # a dict, or what python-socketio's loop ignores

    def _loads(self, message: Any) -> Any:
        if isinstance(message, bytes | str):
            try:
                return self.json.loads(message)
            except ValueError:
                return None
        return message
