"""The Celery application: Redis as broker and result backend, JSON only.

``celery -A joblook.worker.celery_app`` and Flower find the module-level ``celery_app``; the web
server sends work by name (``send_task(RUN_TASK, args=[cmd], task_id=...)``) without importing
the task code.
"""

from __future__ import annotations

from celery import Celery

from joblook.settings import Settings
from joblook.worker.sweeper import sweep_step

RUN_TASK = "joblook.run"
"""Runs one shell command: ``args=[cmd]``, optionally ``kwargs={"timeout": seconds}``."""

LOGS_DIR_KEY = "joblook_logs_dir"
"""Where, in the app's configuration, the task finds the directory for its log files."""
KILL_GRACE_KEY = "joblook_kill_grace"
"""Seconds between SIGTERM and SIGKILL when a command is cancelled or times out."""
DEFAULT_TIMEOUT_KEY = "joblook_default_timeout"
"""Seconds a command may run when its task names no timeout (None: no limit)."""
MAX_LOG_BYTES_KEY = "joblook_max_log_bytes"
"""Bytes of output a task's log keeps: past them, the head and the tail with a marker between."""
REDIS_URL_KEY = "broker_url"
"""The Redis where a task claims its id (claim.py) and watches for cancels (cancelwatch.py): the
broker's. Celery's own key, because Celery masks its password wherever it shows its configuration
(``inspect conf``, Flower's worker page); a joblook key would show it in clear."""
WORKER_LOST_KEY = "joblook_worker_lost_after"
"""Seconds of missing heartbeat before the web fails a running task as lost (``heartbeat.py``)."""

_HOUR = 60 * 60
BROKER_POOL_WAIT_SECONDS = 10.0


def make_celery(settings: Settings) -> Celery:
    app = Celery(
        "joblook",
        broker=settings.redis_url,
        backend=settings.redis_url,
        include=["joblook.worker.tasks"],
    )
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
        # Waiting for a producer from the broker pool (all busy) is bounded: an enqueue past it
        # gets a 503, never a request that hangs for good holding its socket.
        broker_pool_acquire_timeout=BROKER_POOL_WAIT_SECONDS,
        # Redis re-delivers unacked messages after this; keep it far above any queue wait. A
        # message delivered twice anyway runs once: the task claims its id first (claim.py).
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        # Results are only a summary (the log file is the record); keep them a day.
        result_expires=24 * _HOUR,
    )
    # Not Celery settings: the task reads them so make_celery(settings) alone decides its behaviour.
    app.conf[LOGS_DIR_KEY] = str(settings.logs_dir)
    app.conf[WORKER_LOST_KEY] = settings.worker_lost_after
    app.steps["worker"].add(
        sweep_step(settings.logs_dir, settings.redis_url, settings.file_retention)
    )
    app.conf[KILL_GRACE_KEY] = settings.kill_grace
    app.conf[DEFAULT_TIMEOUT_KEY] = settings.default_timeout
    app.conf[MAX_LOG_BYTES_KEY] = settings.max_log_bytes
    return app


celery_app = make_celery(Settings.from_env())
