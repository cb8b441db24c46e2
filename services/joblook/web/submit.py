"""One validated enqueue form to queued work, for ``POST /enqueue`` and a re-run alike: a command
or job, a chain or group, a batch or a sweep (``batch.py`` checks and plans their items).

Each task keeps its form as its ``definition`` (what a re-run sends again), and a task with
retries keeps what it runs and its retry policy, so the retrier (``retrier.py``) can make its next
attempts without the request. Commands, jobs, batches and sweeps are recorded and queued in one
script call (``launching.launch``); chains and groups are Celery canvases (``launch.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import orjson
from celery import Celery
from flask import current_app

from joblook import launching, record
from joblook.jobs import Job
from joblook.launching import Placement, Planned
from joblook.settings import Settings
from joblook.store.audit import Entry
from joblook.store.logstore import LogStore
from joblook.store.roster import WorkerAd
from joblook.store.secrets import SecretStore
from joblook.taskwire import TaskWire
from joblook.web import batch, broadcast, launch, policy
from joblook.web.errors import ApiError
from joblook.web.models import (
    BatchForm,
    ChainForm,
    CommandForm,
    GroupForm,
    JobForm,
    JobRequest,
    Launch,
    RawLaunch,
)
from joblook.web.placement import place

Form = CommandForm | JobRequest | ChainForm | GroupForm | BatchForm

# The audit entry of a request, given the task id its reply names (None: a batch's).
Noted = Callable[[str | None], Entry] | None


@dataclass(frozen=True)
class Queued:
    task_id: str | None  # None: a batch's (it has no parent)
    steps: list[str] | None = None  # a chain's, group's or sweep's; a batch's tasks

    def reply(self) -> dict[str, object]:
        """The 202 body: the task id, and a chain's, group's or sweep's steps; a batch's ids."""
        if self.task_id is None:
            return {"task_ids": self.steps or []}
        return {"task_id": self.task_id} | ({} if self.steps is None else {"steps": self.steps})


@dataclass(frozen=True)
class Context:
    """What checking and placing a request needs from the app."""

    settings: Settings
    jobs: dict[str, Job]
    roster: list[WorkerAd] | None
    submitted_by: str  # who or what asks: every task it makes records it

    @classmethod
    def of_app(cls, submitted_by: str) -> Context:
        """The app's settings, jobs and the workers known now, for a request by ``submitted_by``."""
        ext = current_app.extensions
        return cls(
            ext["joblook.settings"], ext["joblook.jobs"], ext["joblook.workers"].roster,
            submitted_by,
        )  # fmt: skip

    @property
    def queue_limits(self) -> dict[str, int]:
        return self.settings.queue_limits or {}


def app_store() -> LogStore:
    """The app's store."""
    return current_app.extensions["joblook.store"]


def submit(
    form: Form, submitted_by: str, rerun_of: str | None = None, noted: Noted = None
) -> Queued:
    """Check ``form`` against the command policy and queue it; ``submitted_by``: who or what
    asks (``TaskInfo.submitted_by``); ``rerun_of``: the task it re-runs (both are linked);
    ``noted``: the audit entry of the request, written with its tasks. Tells the pages."""
    store = app_store()
    wire: TaskWire = current_app.extensions["joblook.wire"]
    context = Context.of_app(submitted_by)
    extra = _definition(form) | {"submitted_by": submitted_by}
    extra |= {"rerun_of": rerun_of} if rerun_of is not None else {}
    audit = noted or (lambda _task_id: None)
    if isinstance(form, ChainForm | GroupForm):
        queued = _steps(store, context, form, extra)
        if (entry := audit(queued.task_id)) is not None:  # Celery canvases: no script call
            current_app.extensions["joblook.audit"].write(entry)
    else:
        if isinstance(form, BatchForm):
            planned = batch.plan_batch(context, form, rerun_of)
            launched = launching.launch(store, wire, planned, audit=audit(None))
            queued = Queued(None, launched.task_ids)
        elif isinstance(form, JobRequest) and form.sweep is not None:
            parent, runs = batch.plan_sweep(context, form, extra)
            launched = launching.launch(store, wire, runs, parent, audit(parent.task_id))
            queued = Queued(parent.task_id, launched.task_ids)
        else:
            one = plan_one(context, form, record.new_task_id(), extra)
            launched = launching.launch(store, wire, [one], audit=audit(one.task.task_id))
            queued = Queued(one.task.task_id)
        broadcast.tasks_created(launched.news(broadcast.NEWS_MAX))
    if rerun_of is not None and queued.task_id is not None:
        store.add_rerun(rerun_of, queued.task_id)
        broadcast.task_changed(store, [rerun_of])
    return queued


def check_launch(context: Context, asked: Launch, job: Job | None) -> Placement:
    """The placement of a launch's fields (its queue, GPUs, limits and secrets), checked as
    every launch is, ``POST /enqueue``'s or a schedule's: 400 when the queue or GPUs contradict
    the job or the workers, or a secret is not set."""
    where = place(asked.queue, asked.gpus, job, context.queue_limits, context.roster)
    named = asked.secrets if isinstance(asked, RawLaunch) else None
    if named:
        where = replace(where, secrets=tuple(dict.fromkeys([*where.secrets, *named])))
    if where.secrets:
        _check_secrets(app_store(), where.secrets)
    return where


def plan_one(
    context: Context,
    form: CommandForm | JobForm,
    task_id: str,
    extra: dict[str, str],
    *,
    parent: str | None = None,
    params: str | None = None,
) -> Planned:
    """A command or job checked against the policy and placed, with its retry fields; ``extra``:
    its definition and other fields."""
    if isinstance(form, JobForm):
        run, shown = policy.job_argv(context.jobs, form.job, form.params)
        job: Job | None = context.jobs[form.job]
    else:
        policy.check_raw(context.settings, context.jobs, [form.cmd])
        run, shown, job = form.cmd, None, None
    where = check_launch(context, form, job)
    fields = extra | {"submitted_by": context.submitted_by}
    fields |= launching.retry_fields(form.retries, form.retry_delay, job, run, where)
    fields |= launching.notify_field(form.notify, job)
    return launching.plan(task_id, run, form.timeout, shown=shown, placement=where,
                          extra=fields, parent=parent, params=params)  # fmt: skip


def _steps(
    store: LogStore, context: Context, form: ChainForm | GroupForm, extra: dict[str, str]
) -> Queued:
    celery: Celery = current_app.extensions["celery"]
    kind, cmds = ("chain", form.chain) if isinstance(form, ChainForm) else ("group", form.group)
    policy.check_raw(context.settings, context.jobs, cmds)
    where = check_launch(context, form, None)
    parent, steps = launch.launch_steps(
        store, celery, kind, cmds, form.timeout, placement=where, extra=extra,
        step_fields=launching.notify_field(form.notify, None),
    )  # fmt: skip
    broadcast.task_changed(store, [parent, *steps])
    return Queued(parent, steps)


def _definition(form: Form) -> dict[str, str]:
    """A task's ``definition`` field: its form, as a re-run sends it again (a batch's items
    each have their own)."""
    if isinstance(form, BatchForm):
        return {}
    return {"definition": definition(form)}


def definition(form: Form) -> str:
    """``form`` as JSON, without the fields it leaves out."""
    return orjson.dumps(form.model_dump(exclude_none=True)).decode()


def _check_secrets(store: LogStore, names: tuple[str, ...]) -> None:
    """400 when a secret the task asks for is not set (the worker reads them when it runs)."""
    unknown = SecretStore(store.redis, None).missing(list(names))
    if unknown:
        raise ApiError(400, f"unknown secret: {', '.join(unknown)}", {"unknown": unknown})
