"""Queueing one command: its task entry in the store, then its Celery message.

Shared by the web's ``POST /enqueue`` (``web/launch.py``) and the scheduler, so a scheduled run
is queued exactly as a requested one is.
"""

from __future__ import annotations

from celery import Celery
from celery.canvas import Signature

from joblook import record
from joblook.store.logstore import LogStore
from joblook.taskqueue import RUN_TASK


def launch_command(
    store: LogStore,
    celery: Celery,
    cmd: str | list[str],
    timeout: float | None,
    shown: str | None = None,
    *,
    task_id: str | None = None,
    schedule_id: str | None = None,
) -> str:
    """Queue one command: a shell command line, or an argv (a named job's) shown as ``shown``;
    ``schedule_id``: the schedule that started it."""
    task_id = task_id or record.new_task_id()
    store.create_task(task_id, shown or str(cmd), timeout=timeout, schedule_id=schedule_id)
    signature(celery, task_id, cmd, timeout).apply_async()
    return task_id


def signature(
    celery: Celery,
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    later_steps: list[str] | None = None,
) -> Signature:
    """The run task's message for one command (one step of a chain or group)."""
    kwargs: dict[str, object] = {}
    if timeout is not None:
        kwargs["timeout"] = timeout
    if later_steps:
        kwargs["later_steps"] = later_steps
    return celery.signature(RUN_TASK, args=[cmd], kwargs=kwargs, task_id=task_id, immutable=True)
