"""``/schedules``: create, list, describe, pause, resume, change and delete schedules.

The schedules live in Redis (``store/schedules.py``); ``joblook scheduler`` fires them. A
schedule's command is checked against the command policy here, as ``POST /enqueue`` checks one,
and again each time it fires; its queue, GPUs and secrets are checked by the same function as
``POST /enqueue``'s (``submit.check_launch``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

from flask import Blueprint, current_app
from pydantic import ValidationError

from joblook import notices, record
from joblook.jobs import Job
from joblook.roles import ADMIN
from joblook.schedules.schedule import Schedule
from joblook.settings import Settings
from joblook.store import audit
from joblook.store.logstore import LogStore
from joblook.store.schedules import Run, ScheduleStore
from joblook.web import auth, policy, submit
from joblook.web.errors import ApiError
from joblook.web.schedulemodels import Schedule as ScheduleReply
from joblook.web.schedulemodels import (
    ScheduleChange,
    ScheduleDeleted,
    ScheduleIdPath,
    ScheduleList,
    ScheduleRequest,
)
from joblook.web.spec import refusal, replies, spec

bp = Blueprint("schedules", __name__)
auth.protect(bp, "the API")

NEXT_RUNS = 3
LAST_RUNS = 10
SCHEDULER_ALIVE_WITHIN = 15.0  # seconds since a scheduler's last beat for it to count
UNKNOWN = (404, "No such schedule.")


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


def _schedules() -> ScheduleStore:
    return ScheduleStore(_store().redis)


@bp.get("/schedules")
@spec.validate(resp=replies({200: ScheduleList}, 503), tags=["schedules"])
def list_schedules() -> dict[str, object]:
    """Every schedule, oldest first, and how many schedulers are running to fire them."""
    now = time.time()
    schedules = _schedules()
    alive = schedules.schedulers(now, SCHEDULER_ALIVE_WITHIN)
    return {"schedules": [_reply(s, now) for s in schedules.all()], "schedulers": len(alive)}


@bp.post("/schedules")
@auth.requires(ADMIN)
@spec.validate(
    resp=replies({201: ScheduleReply}, (403, "The command policy refuses the command."), 503),
    tags=["schedules"],
)
def create_schedule(json: ScheduleRequest) -> tuple[dict[str, object], int]:
    """Run a command or a named job on a cron expression or every N seconds (times in UTC unless
    `timezone` says otherwise)."""
    _check_interval(json.every)
    shown = _check_command(json.cmd, json.job, json.params)
    jobs: dict[str, Job] = current_app.extensions["joblook.jobs"]
    job = jobs.get(json.job) if json.job is not None else None
    submit.check_launch(submit.Context.of_app(auth.caller().name), json, job)
    now = time.time()
    schedule = Schedule(
        schedule_id=record.new_task_id(),
        name=json.name or shown,
        since=_whole(now),
        created_at=record.timestamp(),
        cron=json.cron,
        every=json.every,
        timezone=json.timezone,
        cmd=json.cmd,
        job=json.job,
        params=json.params or {},
        timeout=json.timeout,
        paused=json.paused,
        queue=json.queue,
        gpus=json.gpus or 0,
        secrets=list(dict.fromkeys(json.secrets or [])),
        notify=list(dict.fromkeys(json.notify or [])),
        retries=json.retries,
        retry_delay=json.retry_delay,
    )
    _schedules().save(schedule)
    auth.note(audit.SCHEDULE_ADD, schedule_id=schedule.schedule_id, name=schedule.name)
    return _reply(schedule, now), 201


@bp.get("/schedules/<schedule_id>")
@spec.validate(resp=replies({200: ScheduleReply}, UNKNOWN, 503), tags=["schedules"])
def get_schedule(schedule_id: str) -> dict[str, object]:
    """One schedule: its next due times and its latest runs with their tasks' states."""
    return _reply(_known(schedule_id), time.time())


@bp.patch("/schedules/<schedule_id>")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: ScheduleReply}, UNKNOWN, 503), tags=["schedules"])
def change_schedule(schedule_id: str, json: ScheduleChange) -> dict[str, object]:
    """Pause (`{"paused": true}`), resume, rename, or change its timing, timeout or retries.

    A resume or a new timing counts from now: due times it slept through do not run.
    """
    schedule = _known(schedule_id)
    changes: dict[str, Any] = json.given()
    _check_interval(changes.get("every"))
    now = time.time()
    if "cron" in changes:
        changes["every"] = None
    elif "every" in changes:
        changes["cron"] = None
    timing = {"cron", "every", "timezone"} & set(changes)
    resumed = schedule.paused and changes.get("paused") is False
    if timing or resumed:
        changes["since"] = _whole(now)
    if changes.get("paused") is None:
        changes.pop("paused", None)
    updated = schedule.changed(**changes)
    _schedules().save(updated)
    auth.note(audit.SCHEDULE_CHANGE, schedule_id=schedule_id, changes=sorted(json.given()))
    return _reply(updated, now)


@bp.delete("/schedules/<schedule_id>")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: ScheduleDeleted}, UNKNOWN, 503), tags=["schedules"])
def delete_schedule(schedule_id: str) -> dict[str, object]:
    """Delete a schedule; the tasks it started (and any running now) are left alone."""
    _known(schedule_id)
    deleted = _schedules().delete(schedule_id)
    auth.note(audit.SCHEDULE_REMOVE, schedule_id=schedule_id)
    return {"schedule_id": schedule_id, "deleted": deleted}


def _whole(now: float) -> float:
    """Intervals count from a whole second, so due times (and their stamps) are whole too."""
    return float(math.floor(now))


def _known(schedule_id: str) -> Schedule:
    try:
        ScheduleIdPath(schedule_id=schedule_id)
    except ValidationError as exc:
        raise refusal(exc) from None
    schedule = _schedules().get(schedule_id)
    if schedule is None:
        raise ApiError(404, "unknown schedule", {"schedule_id": schedule_id})
    return schedule


def _check_interval(every: float | None) -> None:
    shortest = _settings().schedule_min_interval
    if every is not None and every < shortest:
        raise ApiError(400, f"every must be at least {shortest:g} seconds", {"min": shortest})


def _check_command(cmd: str | None, job: str | None, params: dict[str, Any] | None) -> str:
    """The policy's answer now (400 or 403), as ``POST /enqueue`` gives it; how to show it."""
    jobs: dict[str, Job] = current_app.extensions["joblook.jobs"]
    if job is not None:
        return policy.job_argv(jobs, job, params)[1]
    assert cmd is not None
    policy.check_raw(_settings(), jobs, [cmd])
    return cmd


def _reply(schedule: Schedule, now: float) -> dict[str, object]:
    runs = _schedules().runs(schedule.schedule_id, LAST_RUNS)
    tasks = _store().tasks([run.task_id for run in runs if run.task_id])
    states = {info.task_id: info for info in tasks if info is not None}
    return {
        "schedule_id": schedule.schedule_id,
        "name": schedule.name,
        "cron": schedule.cron,
        "every": schedule.every,
        "timezone": schedule.timezone,
        "cmd": schedule.cmd,
        "job": schedule.job,
        "params": schedule.params if schedule.job is not None else None,
        "timeout": schedule.timeout,
        "queue": schedule.queue,
        "gpus": schedule.gpus,
        "secrets": schedule.secrets,
        "notify": [notices.mask(url) for url in schedule.notify],
        "retries": schedule.retries,
        "retry_delay": schedule.retry_delay,
        "paused": schedule.paused,
        "created_at": schedule.created_at,
        "description": schedule.describe(),
        "next_runs": [_stamp(t) for t in schedule.next_due(now, NEXT_RUNS)],
        "last_runs": [_run(run, states) for run in runs],
    }


def _run(run: Run, tasks: dict[str, Any]) -> dict[str, object]:
    info = tasks.get(run.task_id) if run.task_id else None
    return {
        "due_at": _stamp(run.due),
        "fired_at": _stamp(run.fired_at),
        "task_id": run.task_id,
        "state": info.state if info else None,
        "exit_code": info.exit_code if info else None,
        "message": run.message,
    }


def _stamp(epoch: float) -> str:
    return record.timestamp(dt.datetime.fromtimestamp(epoch, dt.UTC))
