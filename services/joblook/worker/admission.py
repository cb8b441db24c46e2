"""Before a command runs: take its slots and GPUs, or park the task until they are free.

``admit`` is what the run task calls. It returns the GPU ids the command may use, or raises
:class:`Parked` (the task then gives its worker process back at once, and waits in Redis,
``store/slots.py``). While the command runs a :class:`Lease` keeps what the task holds; when it
ends, however it ends, the task gives it all back and wakes the oldest waiters, which are sent to
their queue again. Waking is also what the sweeper in every worker does (``worker/roster.py``),
so a wake lost with a killed worker only delays a waiter; it never strands it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery

from joblook.closing import Closing
from joblook.store.slots import GPU_SCOPE_PREFIX, Ask, Slots
from joblook.taskqueue import RUN_TASK

logger = logging.getLogger(__name__)

GPU_RECORD_KEEP = 30 * 24 * 60 * 60
"""Seconds the ids of the GPUs a task was given stay readable for its page."""
WAKE_MOST = 1000
"""Most waiters of a slot scope one wake re-sends (a scope has no more free slots than that)."""


class Parked(Exception):
    """The task waits for a slot or for GPUs; it was not run, and will be sent again."""

    def __init__(self, task_id: str, blocked_by: list[str]) -> None:
        super().__init__(f"waiting for {', '.join(blocked_by)}")
        self.task_id = task_id
        self.blocked_by = blocked_by


class Lease(Closing):
    """Renews what ``ask`` holds every ``lease / 6`` seconds until closed, then gives it back."""

    def __init__(self, slots: Slots, ask: Ask, pool: tuple[str, list[str]], lease: float) -> None:
        self._slots, self._ask, self._lease = slots, ask, lease
        self._owner, self._gpu_ids = pool
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{ask.task_id}", daemon=True)

    def open(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._slots.release(self._ask, self._owner, self._gpu_ids)

    def _run(self) -> None:
        while not self._stop.wait(self._lease / 6):
            try:
                self._slots.renew(self._ask, self._owner, self._gpu_ids, self._lease)
            except Exception as exc:  # Redis away: the lease lasts a while yet
                logger.warning("task %s: cannot renew its slots: %s", self._ask.task_id, exc)


@contextmanager
def admitted(
    celery: Celery,
    slots: Slots,
    ask: Ask,
    *,
    spec: dict[str, object],
    pool: tuple[str, list[str]],
    lease: float,
) -> Iterator[list[str]]:
    """The GPU ids the task holds for the block; raises :class:`Parked` when it must wait.

    ``pool`` is the worker's name and GPU ids; ``spec`` re-sends the task when it is woken.
    """
    owner, _ids = pool
    admission = slots.acquire(ask, spec, pool, lease)
    if not admission.admitted:
        raise Parked(ask.task_id, admission.blocked_by)
    if admission.gpu_ids:
        slots.record_gpus(ask.task_id, owner, admission.gpu_ids, GPU_RECORD_KEEP)
    if ask.limits:  # younger tasks parked only because this one was ahead in line may go now
        wake_after(celery, slots, ask)
    try:
        with Lease(slots, ask, (owner, admission.gpu_ids), lease):
            yield admission.gpu_ids
    finally:
        wake_after(celery, slots, ask, gpus_freed=len(admission.gpu_ids))


def wake_after(celery: Celery, slots: Slots, ask: Ask, gpus_freed: int = 0) -> None:
    """Wake the tasks waiting after ``ask`` (it took its slots, gave them back, or left the
    line); a failure only delays them."""
    try:
        wake(celery, slots, ask.scopes, gpus_freed=gpus_freed)
    except Exception as exc:  # the sweepers wake them instead, a little later
        logger.warning("task %s: cannot wake the tasks waiting after it: %s", ask.task_id, exc)


def wake(
    celery: Celery, slots: Slots, scopes: list[str], gpus_freed: int = 0, quiet: float = 0.0
) -> list[str]:
    """Send the oldest waiters of ``scopes`` that may run now to their queue again; returns
    their ids. A GPU scope wakes as many as GPUs were freed, or (a sweep: ``quiet`` above 0)
    its oldest waiter; ``quiet``: seconds within which a waiter already woken is not woken
    again."""
    limits = slots.scopes()
    woken = []
    for scope in scopes:
        if scope not in limits:
            continue
        gpu = scope.startswith(GPU_SCOPE_PREFIX)
        if gpu and not gpus_freed and not quiet:
            continue
        most = (gpus_freed or 1) if gpu else WAKE_MOST
        for task_id, spec in slots.wake(scope, limits[scope], most, quiet):
            resend(celery, task_id, spec)
            woken.append(task_id)
    return woken


def resend(celery: Celery, task_id: str, spec: dict) -> None:
    """Put a parked task on its queue again, as it was first sent (a chain's rest included)."""
    celery.send_task(
        RUN_TASK,
        args=spec["args"],
        kwargs=spec["kwargs"],
        task_id=task_id,
        queue=spec["queue"],
        chain=spec.get("chain"),
    )
    logger.info("task %s: woken, sent to queue %s again", task_id, spec["queue"])
