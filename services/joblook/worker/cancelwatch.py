"""Watch Redis for a cancel of one task and wake the runner through a pipe the moment it comes.

``open()`` subscribes to the cancel channel *before* reading the task's hash, so a request made
in between is seen either way. A thread then waits for messages naming the task, re-reads the hash
every few seconds as a safety net (a message is lost while the connection is down), and reconnects
after errors. A worker whose Redis blips keeps running its command: cancelling is best effort.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Protocol

import redis
from redis.client import PubSub

from joblook import keys
from joblook.closing import Closing
from joblook.store.cancellation import CancelRequest

logger = logging.getLogger(__name__)

CHECK_INTERVAL = 2.0
"""Seconds between reads of the hash while no message arrives."""
LISTEN_SLICE = 0.1
"""Longest a wait for a message lasts; bounds how long ``close()`` waits for the thread."""
RETRY_DELAY = 1.0
"""Seconds to wait before reconnecting after a Redis error."""
CONNECT_TIMEOUT = 5.0


class CancelSignal(Protocol):
    """What the runner watches: a file descriptor that turns readable once a cancel arrives."""

    def fileno(self) -> int:
        """Readable (and staying readable) once ``request`` is set."""
        ...

    @property
    def request(self) -> CancelRequest | None:
        """The cancel request, or None while there is none."""
        ...


class CancelWatcher(Closing):
    """A :class:`CancelSignal` fed by Redis; use it as a context."""

    def __init__(self, redis_url: str, task_id: str, *, check_interval: float = CHECK_INTERVAL):
        self.task_id = task_id
        self._check_interval = check_interval
        self._client = redis.Redis.from_url(
            redis_url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        self._pubsub: PubSub | None = None
        self._request: CancelRequest | None = None
        self._closing = threading.Event()
        self._lost = False  # Redis is unreachable: warn once per outage, not once a second
        self._thread = threading.Thread(target=self._listen, name=f"cancel-{task_id}", daemon=True)
        self._wake_read, self._wake_write = os.pipe()

    @property
    def request(self) -> CancelRequest | None:
        return self._request

    def fileno(self) -> int:
        return self._wake_read

    def open(self) -> None:
        """Subscribe and read the hash (``request`` then tells if it was cancelled), then listen."""
        try:
            self._subscribe()
            self._check(published=False)
        except redis.RedisError as exc:
            self._lose(exc)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._thread.is_alive():
            self._thread.join()
        self._unsubscribe()
        self._client.close()
        for fd in (self._wake_read, self._wake_write):
            os.close(fd)

    def _listen(self) -> None:
        next_check = time.monotonic() + self._check_interval
        while self._request is None and not self._closing.is_set():
            try:
                pubsub = self._pubsub
                if pubsub is None:
                    pubsub = self._subscribe()
                    self._check(published=False)
                    logger.info("task %s: watching for cancels again", self.task_id)
                    self._lost = False
                message = pubsub.get_message(ignore_subscribe_messages=True, timeout=LISTEN_SLICE)
                if message is not None and _text(message["data"]) == self.task_id:
                    self._check(published=True)
                elif time.monotonic() >= next_check:
                    self._check(published=False)
                    next_check = time.monotonic() + self._check_interval
            except redis.RedisError as exc:
                self._lose(exc)
                self._closing.wait(RETRY_DELAY)

    def _subscribe(self) -> PubSub:
        """Subscribe and wait for Redis to confirm it: from then on no message is missed."""
        self._pubsub = pubsub = self._client.pubsub()
        pubsub.subscribe(keys.CANCEL)
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=deadline - time.monotonic())
            if message is not None and message["type"] in ("subscribe", b"subscribe"):
                return pubsub
        raise redis.TimeoutError(f"no confirmation of SUBSCRIBE {keys.CANCEL}")

    def _lose(self, exc: redis.RedisError) -> None:
        log = logger.debug if self._lost else logger.warning
        log("task %s: cannot watch for cancels (retrying): %s", self.task_id, exc)
        self._lost = True
        self._unsubscribe()

    def _unsubscribe(self) -> None:
        if self._pubsub is not None:
            self._pubsub.close()
            self._pubsub = None

    def _check(self, *, published: bool) -> None:
        """Read the hash; a request found (or a message, even without a hash) wakes the runner."""
        fields = self._client.hgetall(keys.cancel(self.task_id))
        if fields or published:
            self._request = CancelRequest.from_fields(fields)
            os.write(self._wake_write, b"!")


def _text(data: object) -> str | None:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data if isinstance(data, str) else None
