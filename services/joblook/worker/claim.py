"""Run each task id once, however often the broker delivers it.

Redis re-delivers a message that a worker took but did not acknowledge within the visibility
timeout, and a prefetched message is not acknowledged until its task starts. So the same task can
reach two workers. Before running a command, a worker claims the task id with ``SET NX``: only the
first claim wins, and a later delivery finds the claim and leaves the command alone. Shell
commands are not idempotent; at most once is the only safe answer.
"""

from __future__ import annotations

import logging
import os
import socket

import redis

from joblook import keys, retry

logger = logging.getLogger(__name__)

CLAIM_TTL = 30 * 24 * 60 * 60
"""Seconds a claim is kept: far longer than any message waits to be delivered again."""
CLAIM_PATIENCE = 60.0
"""Seconds a worker keeps trying to reach Redis to claim a task before it gives up on it."""
RETRY = retry.Backoff.fixed(1.0)
"""While Redis cannot be reached: a try a second, for CLAIM_PATIENCE."""


class ClaimUnavailable(Exception):
    """Redis could not be asked within :data:`CLAIM_PATIENCE`; the command must not run."""


def owner_name() -> str:
    """Who claims: this host and process, e.g. ``worker-1:4242``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def unclaim(client: redis.Redis, task_id: str, owner: str) -> None:
    """Give back ``owner``'s claim on a task it did not run (it waits for a slot, parked): the
    delivery that wakes it must be able to claim it."""
    key = keys.claim(task_id)
    if client.get(key) == owner.encode():
        client.delete(key)


def claim(
    client: redis.Redis, task_id: str, owner: str, *, patience: float = CLAIM_PATIENCE
) -> str | None:
    """Claim ``task_id`` for ``owner``: None if this is the first claim, else who holds it.

    Retries while Redis is unreachable, for at most ``patience`` seconds; then raises
    :class:`ClaimUnavailable` rather than run a command that may already be running elsewhere.
    """

    def attempt() -> str | None:
        if client.set(keys.claim(task_id), owner, nx=True, ex=CLAIM_TTL):
            return None
        holder = client.get(keys.claim(task_id))
        return holder.decode("utf-8", "replace") if holder else "an earlier delivery"

    def say(exc: Exception, _delay: float) -> None:
        logger.warning("task %s: cannot claim it yet (%s); retrying", task_id, exc)

    unreachable = (redis.ConnectionError, redis.TimeoutError)
    try:
        return retry.call(attempt, RETRY, unreachable, patience=patience, on_retry=say)
    except unreachable as exc:
        raise ClaimUnavailable(f"cannot reach Redis to claim the task: {exc}") from exc
