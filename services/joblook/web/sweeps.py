"""A parent's runs as one table: a sweep's (or a chain's or group's) steps with their parameters,
state, progress and latest metric values, for the sweep page."""

from __future__ import annotations

from flask import Blueprint, current_app

from joblook.store.logstore import LogStore
from joblook.web import auth
from joblook.web.errors import ApiError
from joblook.web.models import RunList
from joblook.web.spec import replies, spec
from joblook.web.tasks import known_task

bp = Blueprint("sweeps", __name__)
auth.protect(bp, "the API")


@bp.get("/tasks/<task_id>/runs")
@spec.validate(resp=replies({200: RunList}, 404, 503), tags=["tasks"])
def task_runs(task_id: str) -> dict[str, object]:
    """A sweep's runs (or a chain's or group's steps) in order, each with its parameters, state,
    progress and the latest value of each metric its output reported. 404 for a task that is
    not a parent."""
    parent = known_task(task_id)
    if parent.kind is None:
        raise ApiError(404, "not a chain, group or sweep", {"task_id": task_id})
    store: LogStore = current_app.extensions["joblook.store"]
    steps = store.tasks(parent.steps)
    known = [step for step in steps if step is not None]
    latest = store.latest_metrics([step.task_id for step in known])
    job, grid = store.sweep(task_id)
    runs = [
        {
            "task_id": step.task_id,
            "cmd": step.cmd,
            "params": step.params,
            "state": step.state,
            "exit_code": step.exit_code,
            "progress": step.progress,
            "started_at": step.started_at,
            "finished_at": step.finished_at,
            "metrics": values,
        }
        for step, values in zip(known, latest, strict=True)
    ]
    return {"task_id": task_id, "kind": parent.kind, "cmd": parent.cmd, "state": parent.state,
            "job": job, "sweep": grid, "runs": runs}  # fmt: skip
