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
from dataclasses import dataclass

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
    """One run task to queue: its id, the command (a shell line or an argv) and its timeout."""

    task_id: str
    cmd: str | list[str]
    timeout: float | None = None


class TaskWire:
    """Builds run-task envelopes for one Celery app's default queue."""

    def __init__(self, app: Celery) -> None:
        self.queue: str = app.conf.task_default_queue
        self._origin = anon_nodename()  # "gen<pid>@<host>", as Celery names a sender
        self._reply_to = record.new_task_id()  # a UUID, as Celery's own

    def envelope(self, message: RunMessage, delivery_tag: str | None = None) -> bytes:
        """The JSON kombu's Redis transport would ``LPUSH`` for ``send_task(RUN_TASK, ...)``;
        ``delivery_tag``: a new UUID, made by the caller when it makes many at once."""
        args: list[object] = [message.cmd]
        kwargs: dict[str, object] = {}
        if message.timeout is not None:
            kwargs["timeout"] = message.timeout
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
            "argsrepr": repr(args),
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
            "delivery_info": {"exchange": "", "routing_key": self.queue},
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

    def envelopes(self, messages: Sequence[RunMessage]) -> list[bytes]:
        """The envelope of each message, to be LPUSH-ed in this order (the worker BRPOPs)."""
        return list(map(self.envelope, messages, record.new_task_ids(len(messages))))

    def push(self, pipe: Pipeline, messages: Sequence[RunMessage]) -> None:
        """Queue ``messages`` in ``pipe``, to be taken in this order (LPUSH in, BRPOP out)."""
        if messages:
            pipe.lpush(self.queue, *self.envelopes(messages))
