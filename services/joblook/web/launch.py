"""Turning an enqueue request into Celery work: one command, a chain, or a group.

Chains and groups are Celery canvases of the same task, one signature per step, each with a task
id of its own (so every step has its own log and page). Signatures are immutable: a step's
result is never passed to the next. A chain step carries the ids of the steps after it, so the
worker can close them as REVOKED when the chain stops at a failure: they never run.
"""

from __future__ import annotations

from celery import Celery, chain, group

from joblook import record
from joblook.launching import launch_command
from joblook.launching import signature as _signature
from joblook.store.logstore import LogStore

__all__ = ["ARROWS", "KINDS", "launch_command", "launch_steps"]

KINDS = ("chain", "group")
ARROWS = {"chain": " → ", "group": " ∥ "}


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
