"""Turning an enqueue request into Celery work: commands (one, or a batch), a chain, a group, or
a sweep.

Commands, batches and sweeps are queued by joblook itself (``joblook.taskwire``): their metadata
and their broker messages go in one script call (``store/create.lua``; a sweep's parent just
after it), so a request costs one round trip however many tasks it queues, and queues all of
them or none (a call lost on the way changes nothing; one lost after Redis ran it may be retried
and push a message twice, which the worker's claim runs once). A sweep is a group
whose steps are a named job's runs, one per combination.

Chains and groups are Celery canvases of the same task, one signature per step, each with a task
id of its own (so every step has its own log and page). Signatures are immutable: a step's
result is never passed to the next. A chain step carries the ids of the steps after it, so the
worker can close them as REVOKED when the chain stops at a failure: they never run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from celery import Celery, chain, group
from celery.canvas import Signature

from joblook import record
from joblook.store.logstore import LogStore, NewTask
from joblook.store.taskinfo import TaskInfo
from joblook.taskqueue import RUN_TASK
from joblook.taskwire import RunMessage, TaskWire

KINDS = ("chain", "group", "sweep")
ARROWS = {"chain": " → ", "group": " ∥ "}


@dataclass(frozen=True, slots=True)
class Planned:
    """A task checked and ready to queue: what the store shows (``task``) and what runs."""

    task: NewTask
    cmd: str | list[str]


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


def plan(
    cmd: str | list[str],
    timeout: float | None,
    shown: str | None = None,
    parent: str | None = None,
    params: str | None = None,
    *,
    task_id: str | None = None,
) -> Planned:
    """One command (a shell line, or a named job's argv shown as ``shown``), with ``task_id`` or
    a new id."""
    task_id = task_id or record.new_task_id()
    return Planned(NewTask(task_id, shown or str(cmd), timeout, parent, params), cmd)


def launch(
    store: LogStore, wire: TaskWire, planned: Sequence[Planned], parent: ParentPlan | None = None
) -> Launched:
    """Record and queue ``planned`` in one round trip, then their parent in one more. Not the
    parent first: until its runs exist a parent reads as gone (as one whose runs all expired
    does), and listing tasks deletes what reads as gone."""
    steps = [p.task.task_id for p in planned]
    messages = wire.envelopes([RunMessage(p.task.task_id, p.cmd, p.task.timeout) for p in planned])
    now = store.create_tasks([p.task for p in planned], wire.queue, messages)
    if parent is not None:
        pipe = store.redis.pipeline(transaction=True)
        store.stage_parent(
            pipe, parent.task_id, parent.kind, parent.cmd, steps, extra=parent.fields
        )
        pipe.execute()
    if parent is None:
        return Launched(steps, now, planned)
    view = TaskInfo(parent.task_id, parent.cmd, record.State.PENDING.value, None, now,
                    kind=parent.kind, steps=steps)  # fmt: skip
    return Launched(steps, now, planned, view)


def launch_command(
    store: LogStore,
    wire: TaskWire,
    cmd: str | list[str],
    timeout: float | None,
    shown: str | None = None,
) -> TaskInfo:
    """Queue one command: a shell command line, or an argv (a named job's) shown as ``shown``."""
    [info] = launch(store, wire, [plan(cmd, timeout, shown)]).news(1)
    return info


def launch_steps(
    store: LogStore, celery: Celery, kind: str, cmds: list[str], timeout: float | None
) -> tuple[str, list[str]]:
    """Queue a chain or group; returns the parent's id and the steps' ids, in order."""
    parent = record.new_task_id()
    steps = [record.new_task_id() for _ in cmds]
    store.create_parent(parent, kind, ARROWS[kind].join(cmds), steps)
    for step, cmd in zip(steps, cmds, strict=True):
        store.create_task(step, cmd, timeout=timeout, parent=parent)
    if kind == "chain":
        signatures = [
            _signature(celery, step, cmd, timeout, later_steps=steps[i + 1 :])
            for i, (step, cmd) in enumerate(zip(steps, cmds, strict=True))
        ]
        chain(*signatures).apply_async()
    else:
        group(
            *(_signature(celery, s, c, timeout) for s, c in zip(steps, cmds, strict=True))
        ).apply_async()
    return parent, steps


def _signature(
    celery: Celery,
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    later_steps: list[str] | None = None,
) -> Signature:
    kwargs: dict[str, object] = {}
    if timeout is not None:
        kwargs["timeout"] = timeout
    if later_steps:
        kwargs["later_steps"] = later_steps
    return celery.signature(RUN_TASK, args=[cmd], kwargs=kwargs, task_id=task_id, immutable=True)
