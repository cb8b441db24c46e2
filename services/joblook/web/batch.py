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
from joblook.launching import ParentPlan, Planned
from joblook.web import submit
from joblook.web.errors import ApiError
from joblook.web.models import BatchForm, JobForm, JobRequest

Grid = dict[str, list[JsonValue]]


def plan_batch(
    context: submit.Context, form: BatchForm, rerun_of: str | None = None
) -> list[Planned]:
    """Every item of the batch, checked and placed, in order, each defined as its own request
    (the batch's timeout where it names none); ApiError (with the item's index) if any is
    refused."""
    planned: list[Planned] = []
    ids = record.new_task_ids(len(form.batch))
    for index, (given, task_id) in enumerate(zip(form.batch, ids, strict=True)):
        item = given
        if given.timeout is None and form.timeout is not None:
            item = given.model_copy(update={"timeout": form.timeout})
        extra = {"definition": submit.definition(item)}
        extra |= {"rerun_of": rerun_of} if rerun_of is not None else {}
        with _item(index):
            planned.append(submit.plan_one(context, item, task_id, extra))
    return planned


def expand(grid: Grid) -> list[dict[str, JsonValue]]:
    """Each combination of the grid's values, as parameters: the last parameter varies fastest."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


def plan_sweep(
    context: submit.Context, form: JobRequest, extra: dict[str, str]
) -> tuple[ParentPlan, list[Planned]]:
    """A sweep's parent (``extra``: its own further fields) and its runs, each run checked and
    defined as the job with its parameters; ApiError names the first bad one."""
    assert form.sweep is not None
    if form.job not in context.jobs:  # said once, not for each of ten thousand runs
        raise ApiError(400, "unknown job", {"jobs": sorted(context.jobs)})
    parent = record.new_task_id()
    base = form.params or {}
    runs: list[Planned] = []
    combinations = expand(form.sweep)
    ids = record.new_task_ids(len(combinations))
    one = JobForm.model_validate(form.model_dump(exclude={"sweep"}))
    for index, (values, task_id) in enumerate(zip(combinations, ids, strict=True)):
        run = one.model_copy(update={"params": {**base, **values}})
        params = orjson.dumps(run.params).decode()
        with _item(index, {"params": values}):
            defined = {"definition": submit.definition(run)}
            runs.append(
                submit.plan_one(context, run, task_id, defined, parent=parent, params=params)
            )
    shown_grid = " ".join(f"{name}={_values(values)}" for name, values in form.sweep.items())
    fields = extra | {"job": form.job, "sweep": orjson.dumps(form.sweep).decode()}
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
