"""Batches and sweeps: many tasks from one request, every one checked before any is queued.

A batch's items are commands or named jobs, each checked as a single enqueue would be; the first
refusal answers for the whole request, naming the item's ``index``, and nothing is queued. A
sweep expands a named job's parameter grid into one run per combination (the cartesian product,
in the grid's order: the last parameter varies fastest), each checked like a job request.
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from pydantic import JsonValue

from joblook import record
from joblook.jobs import Job
from joblook.settings import Settings
from joblook.web import policy
from joblook.web.errors import ApiError
from joblook.web.launch import ParentPlan, Planned, plan
from joblook.web.models import BatchForm, CommandForm, JobRequest

Grid = dict[str, list[JsonValue]]


def plan_batch(settings: Settings, jobs: dict[str, Job], form: BatchForm) -> list[Planned]:
    """Every item of the batch, checked, in order; ApiError (with the item's index) if any is
    refused."""
    planned: list[Planned] = []
    ids = record.new_task_ids(len(form.batch))
    for index, (item, task_id) in enumerate(zip(form.batch, ids, strict=True)):
        timeout = item.timeout if item.timeout is not None else form.timeout
        with _item(index):
            if isinstance(item, CommandForm):
                policy.check_raw(settings, jobs, [item.cmd])
                planned.append(plan(item.cmd, timeout, task_id=task_id))
            else:
                argv, shown = policy.job_argv(jobs, item.job, item.params)
                planned.append(plan(argv, timeout, shown, task_id=task_id))
    return planned


def expand(grid: Grid) -> list[dict[str, JsonValue]]:
    """Each combination of the grid's values, as parameters: the last parameter varies fastest."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


def plan_sweep(jobs: dict[str, Job], form: JobRequest) -> tuple[ParentPlan, list[Planned]]:
    """A sweep's parent and its runs, each run checked; ApiError names the first bad one."""
    assert form.sweep is not None
    if form.job not in jobs:  # said once, not for each of ten thousand runs
        raise ApiError(400, "unknown job", {"jobs": sorted(jobs)})
    parent = record.new_task_id()
    base = form.params or {}
    runs: list[Planned] = []
    combinations = expand(form.sweep)
    ids = record.new_task_ids(len(combinations))
    for index, (values, task_id) in enumerate(zip(combinations, ids, strict=True)):
        params = {**base, **values}
        with _item(index, {"params": values}):
            argv, shown = policy.job_argv(jobs, form.job, params)
        encoded = orjson.dumps(params).decode()
        runs.append(plan(argv, form.timeout, shown, parent, encoded, task_id=task_id))
    shown_grid = " ".join(f"{name}={_values(values)}" for name, values in form.sweep.items())
    fields = {"job": form.job, "sweep": orjson.dumps(form.sweep).decode()}
    return ParentPlan(parent, "sweep", f"sweep {form.job} {shown_grid}", fields), runs


def _values(values: list[JsonValue]) -> str:
    return shlex.quote(
        ",".join(v if isinstance(v, str) else orjson.dumps(v).decode() for v in values)
    )


@contextmanager
def _item(index: int, more: dict[str, object] | None = None) -> Iterator[None]:
    """Refusals inside name the item: its index (and ``more``) join the error's detail."""
    try:
        yield
    except ApiError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        if exc.detail is not None and not isinstance(exc.detail, dict):
            detail = {"reason": exc.detail}
        raise ApiError(exc.status, f"item {index}: {exc.error}",
                       {"index": index, **(more or {}), **detail}) from None  # fmt: skip
