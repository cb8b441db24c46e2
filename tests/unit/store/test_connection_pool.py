"""A burst of callers larger than the Redis pool waits for a connection instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

import redis

from joblook.store import logstore
from joblook.store.logstore import LogStore
from tests.support.processes import Service, free_port
from tests.support.stack import redis_argv
from tests.support.waiting import wait_for

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def test_a_caller_finding_every_connection_busy_waits_for_one_to_come_back(
    redis_url: str,
) -> None:
    store = LogStore.from_url(redis_url)
    pool = store.redis.connection_pool
    try:
        held = [pool.get_connection() for _ in range(logstore.POOL_CONNECTIONS)]
        answered = threading.Event()
        failures: list[BaseException] = []

        def look_up() -> None:
            try:
                store.task(TASK)
                answered.set()
            except BaseException as exc:  # what the web used to turn into no Socket.IO ack
                failures.append(exc)

        caller = threading.Thread(target=look_up, daemon=True)
        caller.start()
        assert not answered.wait(0.3), "the pool handed out more connections than it holds"
        pool.release(held.pop())
        assert answered.wait(5), failures
        caller.join(5)
        assert failures == []
        for connection in held:
            pool.release(connection)
    finally:
        store.redis.close()
        pool.disconnect()


def test_a_restarted_redis_is_answered_through_connections_it_closed(tmp_path: Path) -> None:
    port = free_port()
    server = Service("redis", redis_argv(port, tmp_path), {}, tmp_path)
    server.start()
    store = LogStore.from_url(f"redis://127.0.0.1:{port}/0")
    try:
        wait_for(lambda: _answers(store), 10, "redis to start")
        store.create_task(TASK, "train")
        server.kill()  # every pooled connection is now dead; Redis keeps the task in its AOF
        server.start()
        wait_for(lambda: _answers(LogStore.from_url(f"redis://127.0.0.1:{port}/0")), 10, "redis")
        info = store.task(TASK)  # on the connection the crash closed: reconnects, not an error
        assert info is not None and info.cmd == "train"
    finally:
        store.redis.close()
        server.stop()


def _answers(store: LogStore) -> bool:
    try:
        return store.ping()
    except redis.ConnectionError:
        return False
