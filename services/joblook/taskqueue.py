"""The task queue: a Celery app on Redis (broker and results), JSON only, shared by web and worker.

:func:`make_celery` builds the app a process sends with (the web's enqueue, its worker ping) and
that the worker's own factory (``worker/app.py``) extends with the task. Nothing is built at
import: each process calls the factory with its settings. The web sends work by name
(``send_task(RUN_TASK, args=[cmd], task_id=...)``) without importing any worker code.
"""

from __future__ import annotations

from celery import Celery

from joblook.queuenames import DEFAULT_QUEUE
from joblook.settings import Settings

RUN_TASK = "joblook.run"
"""Runs one shell command: ``args=[cmd]``, optionally ``kwargs={"timeout": seconds}``, and
``queue``, ``gpus`` and ``limits`` (``[[scope, limit], ...]``: see ``store/slots.py``)."""

_HOUR = 60 * 60
BROKER_POOL_WAIT_SECONDS = 10.0


def make_celery(settings: Settings) -> Celery:
    """A Celery app configured for joblook's queue; it registers no task."""
    app = Celery("joblook", broker=settings.redis_url, backend=settings.redis_url)
    app.conf.update(
        # JSON only: no pickle from the broker, and any client (or Flower) can read messages.
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # Jobs are long: a worker takes one message at a time and never hoards queued ones.
        worker_prefetch_multiplier=1,
        # Ack on receipt: shell commands are not idempotent, so a lost worker must not re-run one.
        task_acks_late=False,
        # Report STARTED, so a client can tell queued from running.
        task_track_started=True,
        # Events for Flower: task-sent from clients, the rest from workers.
        worker_send_task_events=True,
        task_send_sent_event=True,
        # Keep retrying when Redis is not up yet (compose starts services in parallel).
        broker_connection_retry_on_startup=True,
        task_default_queue=DEFAULT_QUEUE,
        # Waiting for a producer from the broker pool (all busy) is bounded: an enqueue past it
        # gets a 503, never a request that hangs for good holding its socket.
        broker_pool_acquire_timeout=BROKER_POOL_WAIT_SECONDS,
        # Redis re-delivers unacked messages after this; keep it far above any queue wait. A
        # message delivered twice anyway runs once: the task claims its id first (claim.py).
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        # Results are only a summary (the log file is the record); keep them a day.
        result_expires=24 * _HOUR,
    )
    return app
