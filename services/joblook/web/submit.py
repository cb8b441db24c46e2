"""One validated enqueue form to queued work, for ``POST /enqueue`` and a re-run alike.

Each task keeps its form as its ``definition`` (what a re-run sends again), and a task with
retries keeps what it runs and its retry policy, so the retrier (``retrier.py``) can make its next
attempts without the request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import orjson
from celery import Celery
from flask import current_app

from joblook.jobs import Job
from joblook.launching import Placement
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.store.secrets import SecretStore
from joblook.web import broadcast, launch, policy
from joblook.web.errors import ApiError
from joblook.web.models import ChainForm, CommandForm, GroupForm, JobForm
from joblook.web.placement import place

Form = CommandForm | JobForm | ChainForm | GroupForm

DEFAULT_RETRY_DELAY = 10.0  # seconds before the second attempt when neither request nor job says


@dataclass(frozen=True)
class Queued:
    task_id: str
    steps: list[str] | None = None  # a chain's or group's

    def reply(self) -> dict[str, object]:
        """The 202 body: the task id, and a chain's or group's steps."""
        return {"task_id": self.task_id} | ({} if self.steps is None else {"steps": self.steps})


def app_store() -> LogStore:
    """The app's store."""
    return current_app.extensions["joblook.store"]


def submit(form: Form, rerun_of: str | None = None) -> Queued:
    """Check ``form`` against the command policy and queue it; ``rerun_of``: the task it re-runs
    (both are linked). Tells the pages."""
    store = app_store()
    celery: Celery = current_app.extensions["celery"]
    settings: Settings = current_app.extensions["joblook.settings"]
    jobs: dict[str, Job] = current_app.extensions["joblook.jobs"]
    roster = current_app.extensions["joblook.workers"].roster
    limits = settings.queue_limits or {}
    extra = {"definition": orjson.dumps(form.model_dump(exclude_none=True)).decode()}
    if rerun_of is not None:
        extra["rerun_of"] = rerun_of
    if isinstance(form, ChainForm | GroupForm):
        kind, cmds = ("chain", form.chain) if isinstance(form, ChainForm) else ("group", form.group)
        policy.check_raw(settings, jobs, cmds)
        where = place(form.queue, form.gpus, None, limits, roster)
        parent, steps = launch.launch_steps(
            store, celery, kind, cmds, form.timeout, placement=where, extra=extra
        )
        queued = Queued(parent, steps)
    else:
        if isinstance(form, JobForm):
            run, shown = policy.job_argv(jobs, form.job, form.params)
            job: Job | None = jobs[form.job]
        else:
            policy.check_raw(settings, jobs, [form.cmd])
            run, shown, job = form.cmd, None, None
        where = place(form.queue, form.gpus, job, limits, roster)
        if isinstance(form, CommandForm) and form.secrets:
            where = replace(where, secrets=tuple(dict.fromkeys(form.secrets)))
        _check_secrets(store, where.secrets)
        extra |= retry_fields(form, job, run, where)
        task_id = launch.launch_command(
            store, celery, run, form.timeout, shown=shown, placement=where, extra=extra
        )
        queued = Queued(task_id)
    if rerun_of is not None:
        store.add_rerun(rerun_of, queued.task_id)
    changed = [queued.task_id, *(queued.steps or []), *([rerun_of] if rerun_of else [])]
    broadcast.task_changed(store, changed)
    return queued


def _check_secrets(store: LogStore, names: tuple[str, ...]) -> None:
    """400 when a secret the task asks for is not set (the worker reads them when it runs)."""
    unknown = SecretStore(store.redis, None).missing(list(names))
    if unknown:
        raise ApiError(400, f"unknown secret: {', '.join(unknown)}", {"unknown": unknown})


def retry_fields(
    form: CommandForm | JobForm, job: Job | None, run: str | list[str], where: Placement
) -> dict[str, str]:
    """The first attempt's retry policy, what every attempt runs and where; none without
    retries."""
    retries = form.retries if form.retries is not None else (job.retries if job else 0)
    if not retries:
        return {}
    delay = form.retry_delay or (job.retry_delay if job else None) or DEFAULT_RETRY_DELAY
    return {
        "retries": str(retries),
        "retry_delay": str(delay),
        "attempt": "1",
        "run": orjson.dumps(run).decode(),
        "placement": orjson.dumps(where.task_kwargs()).decode(),
    }
