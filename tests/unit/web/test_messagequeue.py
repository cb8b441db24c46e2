"""The Socket.IO message queue against a real Redis: emits close together share one PUBLISH, in
order, and the listener hands a shared message's emits on one by one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import redis

from joblook.store.logstore import LogStore
from joblook.web import jsonio
from joblook.web.messagequeue import CHANNEL, CoalescingRedisManager


class ThreadServer:
    """What the manager asks of python-socketio's server: background tasks and sleeping."""

    def start_background_task(self, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture
def manager(redis_url: str, store: LogStore) -> CoalescingRedisManager:
    """A manager on the emptied test Redis, with a 50 ms window."""
    queue = CoalescingRedisManager(redis_url, window=0.05)
    queue.server = ThreadServer()
    queue.json = jsonio
    return queue


@pytest.fixture
def published(redis_url: str) -> Iterator[list[Any]]:
    """Every message published on the queue's channel, decoded, in order (filled as they come)."""
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    got: list[Any] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.05)
            if message is not None:
                got.append(orjson.loads(message["data"]))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    yield got
    stop.set()
    reader.join(5)
    pubsub.close()
    client.close()


def _emit(n: int) -> dict[str, Any]:
    return {"method": "emit", "event": "task", "data": [{"n": n}], "host_id": "elsewhere"}


def _wait_for(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_emits_within_the_window_share_one_publish_in_order(
    manager: CoalescingRedisManager, published: list[Any]
) -> None:
    for n in range(3):
        manager._publish(_emit(n))
    _wait_for(lambda: len(published) >= 1)
    time.sleep(0.1)  # nothing more comes
    assert published == [[_emit(0), _emit(1), _emit(2)]]


def test_a_lone_emit_is_published_as_python_socketio_publishes_it(
    manager: CoalescingRedisManager, published: list[Any]
) -> None:
    manager._publish(_emit(7))
    _wait_for(lambda: len(published) >= 1)
    time.sleep(0.1)
    assert published == [_emit(7)]


def test_the_listener_hands_on_a_shared_message_s_emits_one_by_one(
    manager: CoalescingRedisManager, redis_url: str
) -> None:
    heard: list[Any] = []
    listening = manager._listen()
    reader = threading.Thread(target=lambda: heard.extend(next(listening) for _ in range(3)))
    reader.daemon = True
    reader.start()
    client = redis.Redis.from_url(redis_url)
    _wait_for(lambda: client.pubsub_numsub(CHANNEL)[0][1] >= 1)
    client.publish(CHANNEL, orjson.dumps([_emit(1), _emit(2)]))
    client.publish(CHANNEL, orjson.dumps(_emit(3)))
    reader.join(5)
    client.close()
    listening.close()
    manager.pubsub.close()
    assert heard == [_emit(1), _emit(2), _emit(3)]
