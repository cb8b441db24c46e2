"""The store's Redis connections check for unread data with one poll, and still catch it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import redis
from redis._parsers import hiredis

from joblook.store.connection import Connection, pool_options
from joblook.store.logstore import LogStore


@pytest.fixture
def connection(redis_url: str) -> Connection:
    """A connected store connection to the session's Redis."""
    pool = redis.ConnectionPool.from_url(redis_url, **pool_options(redis_url))
    made = pool.make_connection()
    assert isinstance(made, Connection)
    made.connect()
    return made


def test_an_idle_connection_is_checked_without_redis_pys_select(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_select(sock: object, timeout: float) -> bool:
        raise AssertionError("the readiness check went through redis-py's select")

    monkeypatch.setattr(hiredis, "_socket_can_read", no_select)
    assert connection.can_read() is False


def test_a_reply_left_unread_is_still_seen(connection: Connection) -> None:
    connection.send_command("PING")  # the reply is never read, as after an interrupted command
    deadline = time.monotonic() + 5
    while not connection.can_read() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert connection.can_read() is True


def test_a_connection_redis_closed_is_reported_as_an_error(
    connection: Connection, redis_url: str
) -> None:
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    redis.Redis.from_url(redis_url).client_kill_filter(_id=client_id)
    with pytest.raises(redis.ConnectionError):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            connection.can_read()
            time.sleep(0.01)


def test_tls_and_unix_socket_urls_keep_redis_pys_own_connections() -> None:
    assert pool_options("redis://127.0.0.1:6379/0") == {"connection_class": Connection}
    assert pool_options("rediss://example.org:6380/0") == {}
    assert pool_options("unix:///run/redis.sock") == {}


def test_the_store_answers_through_the_cheap_check_under_eventlet(redis_url: str) -> None:
    # As in ``joblook web``: select is monkey-patched (no select.poll) before the store is used.
    script = """
import sys
import eventlet
eventlet.monkey_patch()
import select
assert not hasattr(select, "poll")
from redis._parsers import hiredis
def no_select(sock, timeout):
    raise AssertionError("went through redis-py's green select")
hiredis._socket_can_read = no_select
from joblook.store.logstore import LogStore
store = LogStore.from_url(sys.argv[1])
assert all(store.ping() for _ in range(3))
"""
    done = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", script, redis_url],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_store_uses_the_cheap_check(redis_url: str) -> None:
    store = LogStore.from_url(redis_url)
    try:
        assert store.redis.connection_pool.connection_class is Connection
    finally:
        store.redis.close()
