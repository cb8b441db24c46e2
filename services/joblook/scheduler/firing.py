"""Firing a due time: the schedule's command, checked against today's policy, queued as
``POST /enqueue`` queues a command (``joblook.launching``, one script call that records the
task and pushes its message), with the schedule's id on the task and the due time's claim taken
in that same call. A run with retries is a first attempt as a request's is: the web's retrier
makes its later attempts."""

from __future__ import annotations

import dataclasses
import logging
import shlex
import time

import redis
from celery import Celery

from joblook import commandpolicy, launching
from joblook.jobs import Job, JobError
from joblook.schedules.schedule import Schedule
from joblook.settings import Settings
from joblook.store import audit
from joblook.store.logstore import Claim, LogStore
from joblook.store.schedules import Run, ScheduleStore
from joblook.taskwire import TaskWire

log = logging.getLogger(__name__)


class Firer:
    def __init__(
        self, store: LogStore, celery: Celery, settings: Settings, jobs: dict[str, Job]
    ) -> None:
        self.store = store
        self.celery = celery
        self.wire = TaskWire(celery)
        self.settings = settings
        self.jobs = jobs
        self.audit = audit.Audit(store.redis, settings.audit_ttl)

    def __call__(self, schedule: Schedule, due: float, claim: Claim) -> Run | None:
        """Queue the due time's task (its id: the claim's value) and take the claim in one
        script call; None when the claim was taken already, or Redis failed (nothing was
        queued or claimed: the next tick tries again)."""
        now, task_id = time.time(), claim.value
        try:
            cmd, shown = self.command(schedule)
        except JobError as exc:
            if not ScheduleStore(self.store.redis).take(claim):
                return None
            return Run(due=due, fired_at=now, message=f"not started: {exc}")
        job = self.jobs.get(schedule.job) if schedule.job is not None else None
        extra = {"schedule_id": schedule.schedule_id}
        extra |= {"submitted_by": f"schedule:{schedule.schedule_id}"}
        extra |= launching.notify_field(schedule.notify, job)
        where = self.placement(schedule)
        extra |= launching.retry_fields(schedule.retries, schedule.retry_delay, job, cmd, where)
        one = launching.plan(task_id, cmd, schedule.timeout, shown=shown, placement=where,
                             extra=extra)  # fmt: skip
        try:
            created = launching.launch_claimed(self.store, self.wire, [one], claim)
        except redis.RedisError as exc:
            log.warning("schedule %s: cannot queue its task: %s", schedule.schedule_id, exc)
            return None
        if created is None:
            return None
        self.audit.add(audit.RUN, f"schedule:{schedule.schedule_id}", None, task_id=task_id)
        return Run(due=due, fired_at=now, task_id=task_id)

    def placement(self, schedule: Schedule) -> launching.Placement:
        """Its queue, GPUs, limits and secrets: the schedule's own (checked when it was made),
        or else its named job's, as a request for the job gets them."""
        job = self.jobs.get(schedule.job) if schedule.job is not None else None
        queue = schedule.queue or (job.queue if job is not None else None)
        gpus = schedule.gpus or (job.gpus if job is not None else 0)
        where = launching.with_limits(queue, gpus, job, self.settings.queue_limits or {})
        secrets = tuple(dict.fromkeys([*where.secrets, *schedule.secrets]))
        return dataclasses.replace(where, secrets=secrets)

    def command(self, schedule: Schedule) -> tuple[str | list[str], str | None]:
        """What to run and how to show it; JobError when today's policy or jobs file refuses."""
        if schedule.job is not None:
            job = self.jobs.get(schedule.job)
            if job is None:
                raise JobError(f"the jobs file has no job {schedule.job!r} any more")
            argv = job.render(schedule.params)
            return argv, shlex.join(argv)
        assert schedule.cmd is not None
        refusal = commandpolicy.raw_refusal(self.settings, schedule.cmd)
        if refusal is not None:
            raise JobError(refusal)
        return schedule.cmd, None
