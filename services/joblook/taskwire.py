"""Run-task messages built by joblook and queued with a Redis pipeline, in bulk.

Celery's ``send_task`` costs a publish round trip (and a task-sent event, and a subscription to
the result's channel that the web never reads) per task: fine for one, far too slow for ten
thousand. The broker is Redis, where kombu queues a message by ``LPUSH``-ing its JSON envelope
onto the list named after the queue, and the worker ``BRPOP``-s it from the other end. So joblook
builds the same envelope kombu would (``tests/unit/test_taskwire.py`` holds the two to the same
shape, against a real Redis), and the store pushes it in the script call that records the task
(``store/create.lua``): one round trip for any number of tasks, all of them or none.

The worker consumes these exactly as Celery's own messages (it cannot tell them apart). What is
not sent: the ``task-sent`` event, so Flower first shows such a task when a worker receives it
(joblook's own pages show it queued at once).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from celery import Celery
from celery.utils.nodenames import anon_nodename
from redis.client import Pipeline

from joblook import record
from joblook.taskqueue import RUN_TASK

# The body's third item: no callbacks, no chain, no chord (Celery's "embed").
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
_PERSISTENT = 2  # kombu's delivery_mode for a message that survives a broker restart


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
        return orjson.dumps(
            {
                "body": base64.b64encode(body).decode(),
                "content-encoding": "utf-8",
                "content-type": "application/json",
                "headers": headers,
                "properties": properties,
            }
        )

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

    def push(self, pipe: Pipeline, messages: Sequence[RunMessage]) -> None:
        """Queue ``messages`` in ``pipe``, each to be taken in this order (LPUSH in, BRPOP out)."""
        for queue, envelope in self.envelopes(messages):
            pipe.lpush(queue, envelope)
