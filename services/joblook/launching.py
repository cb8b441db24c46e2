"""Queueing one command for the scheduler: its task entry in the store, then its Celery message,
on the default queue with no GPUs and no limits (what ``web/launch.py`` sends for a request that
names no queue). The scheduler cannot import the web, where queue placement lives.
"""

from __future__ import annotations

from celery import Celery
from celery.canvas import Signature

from joblook import record
from joblook.queuenames import DEFAULT_QUEUE
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
    store.create_task(
        task_id, shown or str(cmd), timeout=timeout, placement=(DEFAULT_QUEUE, 0),
        schedule_id=schedule_id,
    )  # fmt: skip
    signature(celery, task_id, cmd, timeout).apply_async()
    return task_id


def signature(
    celery: Celery,
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    later_steps: list[str] | None = None,
) -> Signature:
    """The run task's message for one command, on the default queue."""
    kwargs: dict[str, object] = {"queue": DEFAULT_QUEUE}
    if timeout is not None:
        kwargs["timeout"] = timeout
    if later_steps:
        kwargs["later_steps"] = later_steps
    return celery.signature(
        RUN_TASK, args=[cmd], kwargs=kwargs, task_id=task_id, immutable=True, queue=DEFAULT_QUEUE
    )
