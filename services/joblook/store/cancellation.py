"""The cancel request: how the web asks for a task to be cancelled and how a worker reads it.

A request is the Redis hash ``keys.cancel(task_id)`` with fields ``by`` (who asked) and ``at``
(an ISO timestamp), followed by a PUBLISH of the task id on the channel ``keys.CANCEL``. The hash
is the truth, checked when a task starts and now and then while it runs; the message wakes a
running task at once (``worker/cancelwatch.py``). Plain Redis, no Celery: the web writes
requests, the worker reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from joblook import keys
from joblook.record import timestamp

CANCEL_TTL = 7 * 24 * 60 * 60
"""Seconds a request is kept: far longer than any task waits in the queue."""


@dataclass(frozen=True)
class CancelRequest:
    by: str
    at: str

    @property
    def message(self) -> str:
        """The terminal status's note, e.g. "cancelled by api at 2026-11-22T02:13:00.123456Z"."""
        return f"cancelled by {self.by} at {self.at}"

    @classmethod
    def from_fields(cls, fields: dict[bytes, bytes] | dict[str, str]) -> CancelRequest:
        """From HGETALL's answer (bytes or str); a missing field reads as "unknown"."""
        text = {_text(key): _text(value) for key, value in fields.items()}
        return cls(by=text.get("by") or "unknown", at=text.get("at") or "unknown")


def request_cancel(client: redis.Redis, task_id: str, by: str) -> bool:
    """Ask for ``task_id`` to be cancelled; False when it already was (the first request stays).

    Publishes either way, so a repeated request also wakes a worker that missed the first message.
    Says nothing about whether the task exists, has finished or will honour the request: a worker
    that runs it (or takes it from the queue later) does.
    """
    key = keys.cancel(task_id)
    with client.pipeline(transaction=True) as pipe:
        pipe.hsetnx(key, "by", by)
        pipe.hsetnx(key, "at", timestamp())
        pipe.expire(key, CANCEL_TTL)
        pipe.publish(keys.CANCEL, task_id)
        created, *_ = pipe.execute()
    return bool(created)


def read_cancel(client: redis.Redis, task_id: str) -> CancelRequest | None:
    """The task's cancel request, or None when nobody asked."""
    fields = client.hgetall(keys.cancel(task_id))
    return CancelRequest.from_fields(fields) if fields else None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
