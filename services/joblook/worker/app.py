"""The worker's Celery app: the shared queue (``joblook.taskqueue``) plus the run task and the
file sweeper, configured from settings. Built by :func:`worker_celery`, never at import.
"""

from __future__ import annotations

from celery import Celery

from joblook.settings import Settings
from joblook.taskqueue import RUN_TASK, make_celery
from joblook.worker import notify, tasks
from joblook.worker.artifacts import artifact_options
from joblook.worker.roster import roster_step
from joblook.worker.sweeper import sweep_step


def worker_celery(settings: Settings, gpus: list[str] | None = None) -> Celery:
    """The app ``joblook worker`` and ``joblook flower`` run: it holds the run task.

    ``gpus``: the worker's GPU ids (``joblook worker --gpus``), one task per GPU at a time."""
    app = make_celery(settings)
    # shared=False: the task belongs to this app only, not to every app built later in the process.
    app.task(name=RUN_TASK, bind=True, throws=(tasks.CommandFailed,), shared=False)(tasks.run)
    # Not Celery settings: the task reads them, so worker_celery(settings) alone decides them.
    app.conf[tasks.LOGS_DIR_KEY] = str(settings.logs_dir)
    app.conf[tasks.WORKER_LOST_KEY] = settings.worker_lost_after
    app.conf[tasks.KILL_GRACE_KEY] = settings.kill_grace
    app.conf[tasks.DEFAULT_TIMEOUT_KEY] = settings.default_timeout
    app.conf[tasks.MAX_LOG_BYTES_KEY] = settings.max_log_bytes
    app.conf[tasks.GPUS_KEY] = list(gpus or [])
    app.conf[tasks.ARTIFACTS_KEY] = artifact_options(settings)
    app.task(name=notify.NOTIFY_TASK, bind=True, shared=False)(notify.send_notice)
    app.conf[notify.NOTIFY_KEY] = list(settings.notify)
    app.conf[notify.PUBLIC_URL_KEY] = settings.public_url
    app.conf[tasks.SECRET_KEY_KEY] = settings.secret_key
    app.steps["worker"].add(
        sweep_step(settings.logs_dir, settings.redis_url, settings.file_retention)
    )
    app.steps["worker"].add(roster_step(settings.redis_url, list(gpus or [])))
    return app
