"""Queueing commands: a task's entry in the store, then its Celery message.

Used by the web (requests, re-runs, retries: ``web/launch.py``, ``web/submit.py``) and by the
scheduler, which cannot import the web. A task's placement (its queue, the GPUs it asks for and
the limits it counts against) travels in the message's kwargs, where the worker enforces it
(``worker/admission.py``) and Flower shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.canvas import Signature

from joblook import record
from joblook.jobs import Job
from joblook.queuenames import DEFAULT_QUEUE
from joblook.store.logstore import LogStore
from joblook.store.slots import job_scope, queue_scope
from joblook.taskqueue import RUN_TASK


@dataclass(frozen=True)
class Placement:
    """A task's queue, the GPUs it asks for and its limits: ``[(scope, limit), ...]``; and the
    names of the secrets it gets: what its message carries besides the command, so every attempt,
    re-send and chain step carries them alike. Never a secret's value."""

    queue: str = DEFAULT_QUEUE
    gpus: int = 0
    limits: list[tuple[str, int]] = field(default_factory=list)
    secrets: tuple[str, ...] = ()

    @property
    def shown(self) -> tuple[str, int]:
        """What the store keeps for GET /tasks/ID."""
        return self.queue, self.gpus

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any] | None) -> Placement:
        """The placement whose ``task_kwargs`` these are (a retry goes where the first went)."""
        if not kwargs:
            return cls()
        limits = [(str(scope), int(limit)) for scope, limit in kwargs.get("limits") or []]
        secrets = tuple(str(name) for name in kwargs.get("secrets") or [])
        queue, gpus = str(kwargs.get("queue") or DEFAULT_QUEUE), int(kwargs.get("gpus") or 0)
        return cls(queue, gpus, limits, secrets)

    def task_kwargs(self) -> dict[str, object]:
        """The run task's keyword arguments for them (Flower shows them with the task)."""
        kwargs: dict[str, object] = {"queue": self.queue}
        if self.gpus:
            kwargs["gpus"] = self.gpus
        if self.limits:
            kwargs["limits"] = [[scope, limit] for scope, limit in self.limits]
        if self.secrets:
            kwargs["secrets"] = list(self.secrets)
        return kwargs


PLAIN = Placement()
"""The default queue, no GPUs, no limits."""


def with_limits(
    queue: str | None, gpus: int | None, job: Job | None, queue_limits: dict[str, int]
) -> Placement:
    """The placement of a task sent to ``queue`` asking ``gpus``, with the limits of its job
    (``max_concurrent``) and of its queue (``JOBLOOK_QUEUE_LIMITS``), and its job's secrets."""
    chosen = queue or DEFAULT_QUEUE
    limits = []
    if job is not None and job.max_concurrent is not None:
        limits.append((job_scope(job.name), job.max_concurrent))
    if chosen in queue_limits:
        limits.append((queue_scope(chosen), queue_limits[chosen]))
    return Placement(chosen, gpus or 0, limits, job.secrets if job is not None else ())


def launch_command(
    store: LogStore,
    celery: Celery,
    cmd: str | list[str],
    timeout: float | None,
    *,
    shown: str | None = None,
    placement: Placement = PLAIN,
    extra: dict[str, str] | None = None,
    task_id: str | None = None,
    schedule_id: str | None = None,
) -> str:
    """Queue one command: a shell command line, or an argv (a named job's) shown as ``shown``.
    ``extra``: more fields for the store (``web/submit.py``: definition, retries, re-run link);
    ``schedule_id``: the schedule that started it."""
    task_id = task_id or record.new_task_id()
    store.create_task(
        task_id,
        shown or str(cmd),
        timeout=timeout,
        placement=placement.shown,
        extra=extra,
        schedule_id=schedule_id,
    )
    send_command(celery, task_id, cmd, timeout, placement)
    return task_id


def send_command(
    celery: Celery,
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    placement: Placement = PLAIN,
) -> None:
    """Put a task the store already holds on the queue (a retry's next attempt, when due)."""
    signature(celery, task_id, cmd, timeout, placement=placement).apply_async()


def signature(
    celery: Celery,
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    *,
    placement: Placement = PLAIN,
    later_steps: list[str] | None = None,
) -> Signature:
    """The run task's message for one command (a chain's step: with the steps after it)."""
    kwargs: dict[str, object] = placement.task_kwargs()
    if timeout is not None:
        kwargs["timeout"] = timeout
    if later_steps:
        kwargs["later_steps"] = later_steps
    return celery.signature(
        RUN_TASK,
        args=[cmd],
        kwargs=kwargs,
        task_id=task_id,
        immutable=True,
        queue=placement.queue,
    )
