"""The cancel request: how the web asks for a task to be cancelled and how a worker reads it.

A request is the Redis hash ``joblook:cancel:<task_id>`` with fields ``by`` (who asked) and ``at``
(an ISO timestamp), followed by a PUBLISH of the task id on the channel ``joblook:cancel``. The hash
is the truth, checked when a task starts and now and then while it runs; the message wakes a
running task at once. Plain Redis, no Celery: the web imports this module to write requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import redis

from joblook.record import timestamp

CANCEL_CHANNEL = "joblook:cancel"
"""Each cancel request publishes its task id here."""

CANCEL_KEY_PREFIX = "joblook:cancel:"
"""Followed by the task id: the hash holding the request's ``by`` and ``at``."""

CANCEL_TTL = 7 * 24 * 60 * 60
"""Seconds a request is kept: far longer than any task waits in the queue."""


def cancel_key(task_id: str) -> str:
    return f"{CANCEL_KEY_PREFIX}{task_id}"


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


class CancelSignal(Protocol):
    """What the runner watches: a file descriptor that turns readable once a cancel arrives."""

    def fileno(self) -> int:
        """Readable (and staying readable) once ``request`` is set."""
        ...

    @property
    def request(self) -> CancelRequest | None:
        """The cancel request, or None while there is none."""
        ...


def request_cancel(client: redis.Redis, task_id: str, by: str) -> bool:
    """Ask for ``task_id`` to be cancelled; False when it already was (the first request stays).

    Publishes either way, so a repeated request also wakes a worker that missed the first message.
    Says nothing about whether the task exists, has finished or will honour the request: a worker
    that runs it (or takes it from the queue later) does.
    """
    key = cancel_key(task_id)
    with client.pipeline(transaction=True) as pipe:
        pipe.hsetnx(key, "by", by)
        pipe.hsetnx(key, "at", timestamp())
        pipe.expire(key, CANCEL_TTL)
        pipe.publish(CANCEL_CHANNEL, task_id)
        created, *_ = pipe.execute()
    return bool(created)


def read_cancel(client: redis.Redis, task_id: str) -> CancelRequest | None:
    """The task's cancel request, or None when nobody asked."""
    fields = client.hgetall(cancel_key(task_id))
    return CancelRequest.from_fields(fields) if fields else None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
