"""Run-task messages built by joblook and queued with a Redis pipeline, in bulk.

Celery's ``send_task`` costs a publish round trip (and a task-sent event, and a subscription to
the result's channel that the web never reads) per task: fine for one, far too slow for ten
thousand. The broker is Redis, where kombu queues a message by ``LPUSH``-ing its JSON envelope
onto the list named after the queue, and the worker ``BRPOP``-s it from the other end. So joblook
builds the same envelope kombu would (``tests/unit/test_taskwire.py`` holds the two to the same
shape, against a real Redis), and the store pushes it in the script call that records the task
(``store/create.lua``): one round trip for any number of tasks, all of them or none.

The worker consumes these exactly as Celery's own messages (it cannot tell them apart). Each
message's ``task-sent`` event (when the app sends them, ``task_send_sent_event``) is built here
too, and published by the same script call on the channel kombu's Redis transport publishes
Celery's events on, so Flower lists a queued task as it lists one sent by Celery.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from celery import Celery
from celery.utils.nodenames import anon_nodename
from celery.utils.time import utcoffset
from kombu.utils.url import parse_url
from redis.client import Pipeline

from joblook import record
from joblook.taskqueue import RUN_TASK

# The body's third item: no callbacks, no chain, no chord (Celery's "embed").
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
_PERSISTENT = 2  # kombu's delivery_mode for a message that survives a broker restart
_TRANSIENT = 1  # an event's: it is not kept
_EVENTS, _SENT = "celeryev", "task.sent"  # Celery's event exchange and a task-sent's routing key


@dataclass(frozen=True, slots=True)
class RunMessage:
    """One run task to queue: its id, the command (a shell line or an argv), its keyword
    arguments (``launching.run_kwargs``: placement and timeout) and its queue (None: the app's
    default)."""

    task_id: str
    cmd: str | list[str]
    kwargs: dict[str, object] = field(default_factory=dict)
    queue: str | None = None


class TaskWire:
    """Builds run-task envelopes for one Celery app."""

    def __init__(self, app: Celery) -> None:
        self.queue: str = app.conf.task_default_queue  # where a message without a queue goes
        self._origin = anon_nodename()  # "gen<pid>@<host>", as Celery names a sender
        self._reply_to = record.new_task_id()  # a UUID, as Celery's own
        self._clock = app.clock  # the Lamport clock Celery's own events count on
        self.events_channel = _events_channel(app) if app.conf.task_send_sent_event else None

    def envelope(self, message: RunMessage, delivery_tag: str | None = None) -> bytes:
        """The JSON kombu's Redis transport would ``LPUSH`` for ``send_task(RUN_TASK, ...)``;
        ``delivery_tag``: a new UUID, made by the caller when it makes many at once."""
        args: list[object] = [message.cmd]
        kwargs = message.kwargs
        body = orjson.dumps([args, kwargs, _EMBED])
        task_id = message.task_id
        headers = {
            "lang": "py",
            "task": RUN_TASK,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": None,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [None, None],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": repr(tuple(args)),  # as a signature sends them (launching.signature)
            "kwargsrepr": repr(kwargs),
            "origin": self._origin,
            "ignore_result": None,
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
        }
        properties = {
            "correlation_id": task_id,
            "reply_to": self._reply_to,
            "delivery_mode": _PERSISTENT,
            "delivery_info": {"exchange": "", "routing_key": self.queue_of(message)},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": delivery_tag or record.new_task_id(),
        }
        return _kombu_envelope(body, headers, properties)

    def queue_of(self, message: RunMessage) -> str:
        """The queue ``message`` goes to: the name of the list kombu's Redis transport keeps it
        in (priority 0, the only one joblook sends, adds no suffix)."""
        return message.queue or self.queue

    def envelopes(self, messages: Sequence[RunMessage]) -> list[tuple[str, bytes]]:
        """Each message's queue and envelope, to be LPUSH-ed in this order (the worker BRPOPs)."""
        tags = record.new_task_ids(len(messages))
        return [
            (self.queue_of(m), self.envelope(m, tag)) for m, tag in zip(messages, tags, strict=True)
        ]

    def sent_events(self, messages: Sequence[RunMessage]) -> tuple[str, list[bytes]] | None:
        """The channel to publish on and each message's ``task-sent`` event, as Celery's
        ``send_task`` publishes it after the message; None when the app sends no such events."""
        if self.events_channel is None:
            return None
        tags = record.new_task_ids(len(messages))
        # What every event of the call shares, worked out once rather than per task.
        sender = {"hostname": self._origin, "utcoffset": utcoffset(), "pid": os.getpid()}
        sent_at = time.time()
        events = [
            self.sent_event(m, sent_at, t, sender) for m, t in zip(messages, tags, strict=True)
        ]
        return self.events_channel, events

    def sent_event(
        self, message: RunMessage, sent_at: float, delivery_tag: str, sender: dict[str, object]
    ) -> bytes:
        """The envelope of one message's ``task-sent`` event (Flower reads its body);
        ``sender``: its hostname, utcoffset and pid."""
        queue = self.queue_of(message)
        body = {
            **sender,
            "clock": self._clock.forward(),
            "uuid": message.task_id,
            "root_id": message.task_id,
            "parent_id": None,
            "name": RUN_TASK,
            "args": repr((message.cmd,)),
            "kwargs": repr(message.kwargs),
            "retries": 0,
            "eta": None,
            "expires": None,
            "queue": queue,
            "exchange": "",
            "routing_key": queue,
            "timestamp": sent_at,
            "type": "task-sent",
        }
        properties = {
            "delivery_mode": _TRANSIENT,
            "delivery_info": {"exchange": _EVENTS, "routing_key": _SENT},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": delivery_tag,
        }
        return _kombu_envelope(orjson.dumps(body), {"hostname": self._origin}, properties)

    def push(self, pipe: Pipeline, messages: Sequence[RunMessage]) -> None:
        """Queue ``messages`` in ``pipe``, each to be taken in this order (LPUSH in, BRPOP out)."""
        for queue, envelope in self.envelopes(messages):
            pipe.lpush(queue, envelope)


def _events_channel(app: Celery) -> str:
    """The Pub/Sub channel kombu's Redis transport publishes task-sent events on:
    ``/<db>.celeryev/task.sent`` (its default fanout prefix and patterns)."""
    path = (parse_url(app.conf.broker_url).get("virtual_host") or "").strip("/")
    return f"/{int(path or 0)}.{_EVENTS}/{_SENT}"


def _kombu_envelope(
    body: bytes, headers: dict[str, object], properties: dict[str, object]
) -> bytes:
    """A JSON ``body`` as kombu's Redis transport wraps it, for a list or a Pub/Sub channel."""
    return orjson.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": headers,
            "properties": properties,
        }
    )
