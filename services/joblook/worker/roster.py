"""What every worker does in the background for queues and limits: say which queues it serves
with which GPUs (``store/roster.py``), and wake parked tasks whose wake was lost.

A wake is normally sent by the task that frees a slot (``admission.py``). If that task's worker
was killed first, the slot frees itself when its lease ends, and the next sweep (every second)
wakes the oldest waiters; a waiter already woken is woken again only after ``WAKE_QUIET``
seconds, in case its message was lost too. A parked task someone cancelled is sent at once, so it
ends REVOKED instead of waiting its turn.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from celery import Celery, bootsteps

from joblook.queuenames import DEFAULT_QUEUE
from joblook.store import roster
from joblook.store.cancellation import read_cancel
from joblook.store.slots import Slots
from joblook.worker.admission import resend, wake

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = 1.0
ADVERTISE_EVERY = 3  # sweeps
ADVERTISEMENT_TTL = 10.0
WAKE_QUIET = 15.0


def sweep(celery: Celery, slots: Slots) -> list[str]:
    """Wake every scope's oldest waiters that may run now, and cancelled waiters; their ids."""
    woken = wake(celery, slots, list(slots.scopes()), quiet=WAKE_QUIET)
    for task_id in slots.parked():
        if read_cancel(slots.redis, task_id) is None:
            continue
        spec = slots.unpark(task_id)
        if spec is not None:
            resend(celery, task_id, spec)
            woken.append(task_id)
    return woken


def served_queues(celery: Celery) -> list[str]:
    """The queues this worker consumes (``--queues``), else the default one."""
    queues = celery.amqp.queues
    chosen = queues.consume_from if queues.consume_from else queues
    return sorted(chosen) or [DEFAULT_QUEUE]


def roster_step(redis_url: str, gpus: list[str]) -> type[bootsteps.StartStopStep]:
    """A worker bootstep: a thread that advertises the worker and sweeps the parked tasks."""

    class RosterStep(bootsteps.StartStopStep):
        requires = ("celery.worker.components:Pool",)
        label = "joblook queues and limits"

        def start(self, parent: Any) -> None:
            self.client = redis.Redis.from_url(redis_url, socket_timeout=5)
            self.stopping = threading.Event()
            ad = roster.WorkerAd(parent.hostname, served_queues(parent.app), gpus)
            slots = Slots(self.client)
            self.name = ad.name

            def run() -> None:
                turn = 0
                while not self.stopping.wait(SWEEP_INTERVAL if turn else 0):
                    try:
                        if turn % ADVERTISE_EVERY == 0:
                            roster.advertise(self.client, ad, ADVERTISEMENT_TTL)
                        sweep(parent.app, slots)
                    except Exception as exc:  # Redis or the broker away: try again next turn
                        logger.warning("cannot sweep the parked tasks now: %s", exc)
                    turn += 1

            self.thread = threading.Thread(target=run, name="joblook-roster", daemon=True)
            self.thread.start()

        def stop(self, parent: Any) -> None:
            if not hasattr(self, "thread"):
                return
            self.stopping.set()
            self.thread.join(timeout=5)
            try:
                roster.withdraw(self.client, self.name)
            except redis.RedisError as exc:
                logger.warning("cannot leave the roster: %s", exc)

    return RosterStep
