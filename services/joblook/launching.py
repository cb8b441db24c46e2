"""Queueing commands: a task's entry in the store, then its run-task message.

Used by the web (requests, batches, sweeps, re-runs, retries: ``web/submit.py``, ``web/batch.py``)
and by the scheduler, which cannot import the web. Two ways, one message: :func:`launch` records
any number of tasks and pushes their messages (built by ``joblook.taskwire``) in one script call,
for the web; :func:`launch_command` records one and sends it with Celery, for the scheduler
(:func:`send_command` and :func:`signature` also send a retry's later attempts and a chain's
steps). Both take the run task's kwargs from
:func:`run_kwargs` and send to the placement's queue, so the worker cannot tell them apart.

A task's placement (its queue, the GPUs it asks for and the limits it counts against) travels in
the message's kwargs, where the worker enforces it (``worker/admission.py``) and Flower shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from celery import Celery
from celery.canvas import Signature

from joblook import record
from joblook.jobs import Job
from joblook.queuenames import DEFAULT_QUEUE
from joblook.store.audit import Entry
from joblook.store.logstore import Claim, LogStore, NewTask
from joblook.store.slots import job_scope, queue_scope
from joblook.store.taskinfo import TaskInfo
from joblook.taskqueue import RUN_TASK
from joblook.taskwire import RunMessage, TaskWire


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


def notify_field(asked: list[str] | None, job: Job | None) -> dict[str, str]:
    """The task field saying where its end is sent: the URLs asked for, then its job's (the
    worker reads it)."""
    urls = list(dict.fromkeys([*(asked or []), *(job.notify if job else ())]))
    return {"notify": orjson.dumps(urls).decode()} if urls else {}


PLAIN = Placement()
"""The default queue, no GPUs, no limits."""

DEFAULT_RETRY_DELAY = 10.0  # seconds before the second attempt when neither launch nor job says


def retry_fields(
    retries: int | None,
    retry_delay: float | None,
    job: Job | None,
    run: str | list[str],
    where: Placement,
) -> dict[str, str]:
    """A first attempt's fields: its retry policy (the launch's, else its job's), what every
    attempt runs and where; none without retries. A request's and a schedule's runs alike."""
    if retries is None:
        retries = job.retries if job is not None else 0
    if not retries:
        return {}
    delay = retry_delay or (job.retry_delay if job else None) or DEFAULT_RETRY_DELAY
    return {
        "retries": str(retries),
        "retry_delay": str(delay),
        "attempt": "1",
        "run": orjson.dumps(run).decode(),
        "placement": orjson.dumps(where.task_kwargs()).decode(),
    }


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
    extra = (extra or {}) | ({"schedule_id": schedule_id} if schedule_id else {})
    task_id = task_id or record.new_task_id()
    one = plan(task_id, cmd, timeout, shown=shown, placement=placement, extra=extra)
    store.create_tasks([one.task])
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
    kwargs = run_kwargs(timeout, placement, later_steps)
    return celery.signature(
        RUN_TASK,
        args=[cmd],
        kwargs=kwargs,
        task_id=task_id,
        immutable=True,
        queue=placement.queue,
    )


def run_kwargs(
    timeout: float | None, placement: Placement = PLAIN, later_steps: list[str] | None = None
) -> dict[str, object]:
    """The run task's keyword arguments: its placement, its timeout, a chain step's later
    steps."""
    kwargs: dict[str, object] = placement.task_kwargs()
    if timeout is not None:
        kwargs["timeout"] = timeout
    if later_steps:
        kwargs["later_steps"] = later_steps
    return kwargs


@dataclass(frozen=True, slots=True)
class Planned:
    """A task checked and ready to queue: what the store records (``task``), what runs, where."""

    task: NewTask
    cmd: str | list[str]
    placement: Placement = PLAIN

    def message(self) -> RunMessage:
        """Its run-task message, as :func:`send_command` would send it."""
        kwargs = run_kwargs(self.task.timeout, self.placement)
        return RunMessage(self.task.task_id, self.cmd, kwargs, self.placement.queue)


def plan(
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    *,
    shown: str | None = None,
    placement: Placement = PLAIN,
    extra: dict[str, str] | None = None,
    parent: str | None = None,
    params: str | None = None,
) -> Planned:
    """One command (a shell line, or a named job's argv shown as ``shown``) and its task's
    fields: its placement's queue and GPUs, and ``extra`` (as for :func:`launch_command`)."""
    fields = {"queue": placement.queue, "gpus": str(placement.gpus), **(extra or {})}
    lines = tuple(scope for scope, _limit in placement.limits)  # its place in each line
    task = NewTask(task_id, shown or str(cmd), timeout, parent, params, fields, lines)
    return Planned(task, cmd, placement)


@dataclass(frozen=True, slots=True)
class ParentPlan:
    """The parent a sweep's runs are grouped under."""

    task_id: str
    kind: str
    cmd: str
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class Launched:
    """What :func:`launch` queued: the tasks' ids in order, when, and their parent's view."""

    task_ids: list[str]
    created_at: str
    planned: Sequence[Planned]
    parent: TaskInfo | None = None

    def news(self, most: int) -> list[TaskInfo]:
        """The views to announce: the parent, and the last ``most`` tasks (built only for
        those: building ten thousand cost more than queueing them)."""
        infos = [p.task.info(self.created_at) for p in self.planned[-most:]]
        return [self.parent, *infos] if self.parent is not None else infos


def launch_claimed(
    store: LogStore, wire: TaskWire, planned: Sequence[Planned], claim: Claim
) -> str | None:
    """Record and queue ``planned`` only if ``claim`` is free, taking it in the same script
    call: when they were created (None: the claim was taken, nothing was queued)."""
    runs = [p.message() for p in planned]
    tasks = [p.task for p in planned]
    return store.create_claimed(tasks, wire.envelopes(runs), wire.sent_events(runs), claim)


def launch(
    store: LogStore,
    wire: TaskWire,
    planned: Sequence[Planned],
    parent: ParentPlan | None = None,
    audit: Entry | None = None,
) -> Launched:
    """Record and queue ``planned`` in one round trip (with ``audit``, the entry of whoever asked),
    then their parent in one more. Not the parent first: until its runs exist a parent reads as
    gone (as one whose runs all expired does), and listing tasks deletes what reads as gone."""
    steps = [p.task.task_id for p in planned]
    runs = [p.message() for p in planned]
    now = store.create_tasks(
        [p.task for p in planned], wire.envelopes(runs), wire.sent_events(runs), audit
    )
    if parent is None:
        return Launched(steps, now, planned)
    store.create_parent(parent.task_id, parent.kind, parent.cmd, steps, extra=parent.fields)
    view = TaskInfo(parent.task_id, parent.cmd, record.State.PENDING.value, None, now,
                    kind=parent.kind, steps=steps)  # fmt: skip
    return Launched(steps, now, planned, view)
