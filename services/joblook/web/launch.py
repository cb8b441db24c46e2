"""Turning an enqueue request into Celery work: a chain or a group (one command, a batch or a
sweep: ``joblook.launching.launch``, through ``web/submit.py``).

Chains and groups are Celery canvases of the same task, one signature per step, each with a task
id of its own (so every step has its own log and page). Signatures are immutable: a step's
result is never passed to the next. A chain step carries the ids of the steps after it, so the
worker can close them as REVOKED when the chain stops at a failure: they never run.
"""

from __future__ import annotations

import orjson
from celery import Celery, chain, group

from joblook import record
from joblook.launching import PLAIN, Placement, launch_command, send_command, signature
from joblook.store.logstore import LogStore

KINDS = ("chain", "group", "sweep")
ARROWS = {"chain": " → ", "group": " ∥ "}
__all__ = ["ARROWS", "KINDS", "launch_command", "launch_steps", "send_command"]


def launch_steps(
    store: LogStore,
    celery: Celery,
    kind: str,
    cmds: list[str],
    timeout: float | None,
    *,
    placement: Placement = PLAIN,
    extra: dict[str, str] | None = None,
    step_fields: dict[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Queue a chain or group; returns the parent's id and the steps' ids, in order. ``extra``:
    the parent's further fields; each step is defined as its own command with the timeout, and
    has ``step_fields`` (where its end is sent)."""
    parent = record.new_task_id()
    steps = [record.new_task_id() for _ in cmds]
    store.create_parent(parent, kind, ARROWS[kind].join(cmds), steps, extra=extra)
    for step, cmd in zip(steps, cmds, strict=True):
        step_definition = {"cmd": cmd} | ({} if timeout is None else {"timeout": timeout})
        step_extra = {"definition": orjson.dumps(step_definition).decode(), **(step_fields or {})}
        if extra and "submitted_by" in extra:  # a step is started by whoever started its parent
            step_extra["submitted_by"] = extra["submitted_by"]
        store.create_task(
            step, cmd, timeout=timeout, parent=parent, placement=placement.shown, extra=step_extra
        )
    if kind == "chain":
        signatures = [
            signature(celery, step, cmd, timeout, placement=placement, later_steps=steps[i + 1 :])
            for i, (step, cmd) in enumerate(zip(steps, cmds, strict=True))
        ]
        chain(*signatures).apply_async()
    else:
        group(
            *(
                signature(celery, s, c, timeout, placement=placement)
                for s, c in zip(steps, cmds, strict=True)
            )
        ).apply_async()
    return parent, steps
