"""Turning an enqueue request into Celery work: one command, a chain, or a group.

Chains and groups are Celery canvases of the same task, one signature per step, each with a task
id of its own (so every step has its own log and page). Signatures are immutable: a step's
result is never passed to the next. A chain step carries the ids of the steps after it, so the
worker can close them as REVOKED when the chain stops at a failure: they never run.
"""

from __future__ import annotations

import orjson
from celery import Celery, chain, group
from celery.canvas import Signature

from joblook import record
from joblook.store.logstore import LogStore
from joblook.taskqueue import RUN_TASK
from joblook.web.placement import Placement

KINDS = ("chain", "group")
ARROWS = {"chain": " → ", "group": " ∥ "}
PLAIN = Placement()
"""The default queue, no GPUs, no limits."""


def launch_command(
    store: LogStore,
    celery: Celery,
    cmd: str | list[str],
    timeout: float | None,
    *,
    shown: str | None = None,
    placement: Placement = PLAIN,
    extra: dict[str, str] | None = None,
) -> str:
    """Queue one command: a shell command line, or an argv (a named job's) shown as ``shown``.
    ``extra``: more fields for the store (``web/submit.py``: definition, retries, re-run link)."""
    task_id = record.new_task_id()
    store.create_task(
        task_id, shown or str(cmd), timeout=timeout, placement=placement.shown, extra=extra
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
    _signature(celery, task_id, cmd, timeout, placement=placement).apply_async()


def launch_steps(
    store: LogStore,
    celery: Celery,
    kind: str,
    cmds: list[str],
    timeout: float | None,
    *,
    placement: Placement = PLAIN,
    extra: dict[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Queue a chain or group; returns the parent's id and the steps' ids, in order. ``extra``:
    the parent's further fields; each step is defined as its own command with the timeout."""
    parent = record.new_task_id()
    steps = [record.new_task_id() for _ in cmds]
    store.create_parent(parent, kind, ARROWS[kind].join(cmds), steps, extra=extra)
    for step, cmd in zip(steps, cmds, strict=True):
        step_definition = {"cmd": cmd} | ({} if timeout is None else {"timeout": timeout})
        step_extra = {"definition": orjson.dumps(step_definition).decode()}
        store.create_task(
            step, cmd, timeout=timeout, parent=parent, placement=placement.shown, extra=step_extra
        )
    if kind == "chain":
        signatures = [
            _signature(celery, step, cmd, timeout, placement=placement, later_steps=steps[i + 1 :])
            for i, (step, cmd) in enumerate(zip(steps, cmds, strict=True))
        ]
        chain(*signatures).apply_async()
    else:
        group(
            *(
                _signature(celery, s, c, timeout, placement=placement)
                for s, c in zip(steps, cmds, strict=True)
            )
        ).apply_async()
    return parent, steps


def _signature(
    celery: Celery,
    task_id: str,
    cmd: str | list[str],
    timeout: float | None,
    *,
    placement: Placement,
    later_steps: list[str] | None = None,
) -> Signature:
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
