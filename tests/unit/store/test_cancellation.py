"""Cancel requests through a real Redis: what the web writes and what a worker's watcher sees."""

from __future__ import annotations

import selectors
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from joblook import keys
from joblook.record import STDOUT, State
from joblook.store.cancellation import CancelRequest, read_cancel, request_cancel
from joblook.worker.cancelwatch import CancelWatcher
from joblook.worker.runner import execute
from tests.support.waiting import wait_for
from tests.unit.worker.test_runner import final, output, read_records


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the session's Redis."""
    with redis.Redis.from_url(redis_url) as connection:
        yield connection


def new_id() -> str:
    return str(uuid.uuid4())


def readable_within(watcher: CancelWatcher, seconds: float) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(watcher.fileno(), selectors.EVENT_READ)
        return bool(selector.select(seconds))


def test_request_cancel_writes_the_hash_and_publishes_the_task_id(client: redis.Redis) -> None:
    task_id = new_id()
    with client.pubsub() as pubsub:
        pubsub.subscribe(keys.CANCEL)
        wait_for(lambda: pubsub.get_message(timeout=0.1), 5, "the subscription")
        assert request_cancel(client, task_id, "api") is True
        message = wait_for(lambda: pubsub.get_message(timeout=0.1), 5, "the cancel message")
    assert message["data"] == task_id.encode()
    fields = client.hgetall(keys.cancel(task_id))
    assert fields[b"by"] == b"api"
    assert fields[b"at"].endswith(b"Z")
    assert 0 < client.ttl(keys.cancel(task_id)) <= 7 * 24 * 3600


def test_the_first_cancel_request_is_the_one_kept(client: redis.Redis) -> None:
    task_id = new_id()
    assert request_cancel(client, task_id, "alice") is True
    first = read_cancel(client, task_id)
    assert request_cancel(client, task_id, "bob") is False
    assert read_cancel(client, task_id) == first
    assert first is not None
    assert first.by == "alice"


def test_no_request_reads_as_none(client: redis.Redis) -> None:
    assert read_cancel(client, new_id()) is None


def test_watcher_sees_a_cancel_made_before_it_started(redis_url: str, client: redis.Redis) -> None:
    task_id = new_id()
    client.hset(keys.cancel(task_id), mapping={"by": "api", "at": "2026-01-01T00:00:00Z"})
    with CancelWatcher(redis_url, task_id) as watcher:
        assert watcher.request == CancelRequest("api", "2026-01-01T00:00:00Z")
        assert readable_within(watcher, 0)


# Watchers here re-check Redis only this often by themselves, so what ends a wait well before it
# was the published message (hang guards, not speed claims: make bench BENCH_ARGS="--only cancel").
SLOW_CHECK = 60
WELL_BEFORE_THE_CHECK = SLOW_CHECK / 4


def test_watcher_wakes_on_a_published_cancel_not_its_slow_check(
    redis_url: str, client: redis.Redis
) -> None:
    task_id = new_id()
    with CancelWatcher(redis_url, task_id, check_interval=SLOW_CHECK) as watcher:
        assert watcher.request is None
        request_cancel(client, new_id(), "someone else")  # another task's cancel: not ours
        assert not readable_within(watcher, 0.3)
        request_cancel(client, task_id, "api")
        assert readable_within(watcher, WELL_BEFORE_THE_CHECK)
        assert watcher.request is not None
        assert watcher.request.by == "api"


def test_watcher_finds_a_request_whose_message_was_lost(
    redis_url: str, client: redis.Redis
) -> None:
    task_id = new_id()
    with CancelWatcher(redis_url, task_id, check_interval=0.2) as watcher:
        client.hset(keys.cancel(task_id), mapping={"by": "api", "at": "now"})  # no PUBLISH
        assert readable_within(watcher, 5)
        assert watcher.request == CancelRequest("api", "now")


def test_watcher_without_redis_lets_the_command_run(tmp_path: Path) -> None:
    # Nothing listens on port 1: the command must run anyway, only it cannot be cancelled.
    with CancelWatcher("redis://127.0.0.1:1/0", new_id()) as watcher:
        assert watcher.request is None
        outcome = execute(new_id(), "echo ran", tmp_path, cancel=watcher)
    assert outcome.state == State.SUCCESS


def test_cancel_through_redis_stops_a_running_command(
    tmp_path: Path, redis_url: str, client: redis.Redis
) -> None:
    task_id = new_id()
    log_path = tmp_path / f"{task_id}.jsonl"

    def cancel_once_running() -> None:
        wait_for(lambda: log_path.exists() and b"running" in log_path.read_bytes(), 10, "output")
        request_cancel(client, task_id, "127.0.0.1")

    canceller = threading.Thread(target=cancel_once_running)
    canceller.start()
    started = time.monotonic()
    with CancelWatcher(redis_url, task_id, check_interval=SLOW_CHECK) as watcher:
        outcome = execute(task_id, "echo running; sleep 300", tmp_path, cancel=watcher)
    canceller.join()
    records = read_records(log_path)
    assert time.monotonic() - started < WELL_BEFORE_THE_CHECK  # not the check, nor the sleep
    assert output(records, STDOUT) == "running\n"
    assert (final(records).state, final(records).exit_code) == (State.REVOKED, 143)
    assert final(records).log.startswith("cancelled by 127.0.0.1 at ")
    assert outcome.state == State.REVOKED
