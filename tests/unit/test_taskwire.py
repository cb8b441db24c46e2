"""joblook's own run-task messages are the ones Celery and kombu would queue, byte for meaning."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from celery import Celery

from joblook import launching
from joblook.launching import PLAIN, Placement
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.taskqueue import make_celery
from joblook.taskwire import RunMessage, TaskWire

TASK = "7d3f2a8e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
PER_MESSAGE = ("reply_to", "delivery_tag")  # random per sender or per message


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of an emptied Redis."""
    with redis.Redis.from_url(redis_url) as redis_client:
        redis_client.flushdb()
        yield redis_client


@pytest.fixture
def celery(client: redis.Redis, redis_url: str) -> Iterator[Celery]:
    """The web's Celery app on that Redis."""
    app = make_celery(Settings.from_env({"REDIS_URL": redis_url}))
    yield app
    app.close()


def _queued(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The queue's messages in the order a worker takes them (it BRPOPs the list's tail)."""
    return [orjson.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]


def _comparable(message: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in message["properties"].items() if k not in PER_MESSAGE}
    body = orjson.loads(base64.b64decode(message["body"]))
    return {**message, "properties": properties, "body": body}


GPU = Placement("gpu", 2, [("job:train", 1), ("queue:gpu", 4)])


@pytest.mark.parametrize(
    ("cmd", "timeout", "placement"),
    [
        ("python train.py --lr 0.1", 5.0, PLAIN),
        (["python", "train.py"], None, PLAIN),
        (["python", "train.py"], 60.0, GPU),
    ],
)
def test_a_message_is_what_celery_send_task_queues(
    celery: Celery,
    client: redis.Redis,
    cmd: str | list[str],
    timeout: float | None,
    placement: Placement,
) -> None:
    launching.send_command(celery, TASK, cmd, timeout, placement)
    [celerys] = _queued(client, placement.queue)
    client.delete(placement.queue)
    wire = TaskWire(celery)
    pipe = client.pipeline()
    kwargs = launching.run_kwargs(timeout, placement)
    wire.push(pipe, [RunMessage(TASK, cmd, kwargs, placement.queue)])
    pipe.execute()
    [ours] = _queued(client, placement.queue)
    assert _comparable(ours) == _comparable(celerys)
    assert set(ours["properties"]) == set(celerys["properties"])


def test_messages_are_taken_in_the_order_they_were_given(
    celery: Celery, client: redis.Redis
) -> None:
    wire = TaskWire(celery)
    ids = [f"{TASK[:-2]}{i:02d}" for i in range(5)]
    pipe = client.pipeline()
    wire.push(pipe, [RunMessage(task_id, "true") for task_id in ids])
    pipe.execute()
    assert [m["headers"]["id"] for m in _queued(client, wire.queue)] == ids


def test_every_message_has_a_delivery_tag_of_its_own(celery: Celery) -> None:
    wire = TaskWire(celery)
    tags = {
        orjson.loads(wire.envelope(RunMessage(TASK, "true")))["properties"]["delivery_tag"]
        for _ in range(3)
    }
    assert len(tags) == 3


PER_EVENT = ("hostname", "pid", "clock", "timestamp", "utcoffset")  # the sender's, and when


def _events(subscriber: redis.client.PubSub, count: int) -> list[tuple[bytes, dict[str, Any]]]:
    """The next ``count`` events on the subscription: each one's channel and envelope."""
    got: list[tuple[bytes, dict[str, Any]]] = []
    for _ in range(50):  # bounded: 50 reads of at most 0.1 s
        message = subscriber.get_message(timeout=0.1)
        if message and message["type"] == "pmessage":
            got.append((message["channel"], orjson.loads(message["data"])))
        if len(got) == count:
            break
    return got


def _comparable_event(envelope: dict[str, Any]) -> dict[str, Any]:
    body = orjson.loads(base64.b64decode(envelope["body"]))
    properties = {k: v for k, v in envelope["properties"].items() if k != "delivery_tag"}
    return {
        **envelope,
        "headers": {},
        "properties": properties,
        "body": {k: v for k, v in body.items() if k not in PER_EVENT},
    }


def test_a_task_queued_by_joblook_sends_celery_s_task_sent_event_for_flower(
    celery: Celery, client: redis.Redis, store: LogStore
) -> None:
    subscriber = client.pubsub()
    subscriber.psubscribe("/0.celeryev/*")  # as Flower's event receiver does on db 0
    subscriber.get_message(timeout=1)
    launching.send_command(celery, TASK, ["python", "train.py"], 60.0, GPU)
    [(celerys_channel, celerys)] = _events(subscriber, 1)
    wire = TaskWire(celery)
    planned = launching.plan(TASK[:-1] + "0", ["python", "train.py"], 60.0, placement=GPU)
    launching.launch(store, wire, [planned])
    [(channel, ours)] = _events(subscriber, 1)
    subscriber.close()
    assert channel == celerys_channel == b"/0.celeryev/task.sent"
    body = orjson.loads(base64.b64decode(ours["body"]))
    assert (body["type"], body["uuid"], body["queue"]) == ("task-sent", TASK[:-1] + "0", "gpu")
    celerys_body = orjson.loads(base64.b64decode(celerys["body"]))
    celerys_body["uuid"] = celerys_body["root_id"] = body["uuid"]
    celerys["body"] = base64.b64encode(orjson.dumps(celerys_body)).decode()
    assert _comparable_event(ours) == _comparable_event(celerys)
    assert set(body) == set(celerys_body)


def test_no_task_sent_event_when_the_app_sends_none(celery: Celery) -> None:
    celery.conf.task_send_sent_event = False
    assert TaskWire(celery).sent_events([RunMessage(TASK, "true")]) is None
