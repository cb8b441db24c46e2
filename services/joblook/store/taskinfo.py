"""What the store knows about a task, and how a chain's or group's state follows from its steps
(and a retried task's from its last attempt)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from joblook.notices import mask
from joblook.record import TERMINAL_STATES, State


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """One task: its command and where it is in its lifecycle (a parent: its steps' summary)."""

    task_id: str
    cmd: str | None
    state: str
    exit_code: int | None
    created_at: str | None
    started_at: str | None = None
    finished_at: str | None = None
    records: int = 0
    bytes: int = 0
    worker: str | None = None
    message: str | None = None
    timeout: float | None = None
    kind: str | None = None  # "chain", "group" or "sweep" for a parent, None for a command
    parent: str | None = None
    steps: list[str] = field(default_factory=list)
    progress: float | None = None  # 0 to 1, the latest the output showed (joblook.progress)
    eta_seconds: float | None = None  # the time left as of that output
    last_output_at: str | None = None  # the time of the latest stdout or stderr record
    schedule_id: str | None = None  # the schedule that started it (joblook.schedules)
    queue: str | None = None  # the queue it was sent to (a parent: none)
    gpus: int = 0  # GPUs it asked for
    # What a re-run sends again: the enqueue request's form (cmd or job and params, or chain or
    # group, timeout, retries...), as given; None for tasks queued before it was kept.
    definition: dict[str, Any] | None = None
    run: str | list[str] | None = None  # what the worker ran: a shell line or a job's argv
    rerun_of: str | None = None
    reruns: list[str] = field(default_factory=list)
    retries: int | None = None  # on the first attempt of a retried task: attempts after it
    retry_delay: float | None = None  # seconds before the second attempt (doubling after)
    attempt: int | None = None  # 1, 2... on every attempt of a retried task
    first_attempt: str | None = None  # on attempts after the first
    attempts: list[str] = field(default_factory=list)  # on the first: every attempt, in order
    due_at: str | None = None  # on a scheduled attempt: when it goes to the queue
    next_attempt_at: str | None = None  # on the first, while the next attempt waits: its due_at
    # A retried task's queue, GPUs and limits as the run task's kwargs (web/placement.py).
    placement: dict[str, Any] | None = None
    # Apprise URLs its end is sent to (``joblook.notices``): never shown, they may hold secrets.
    notify: list[str] = field(default_factory=list)
    # Who or what started it: a user's name, schedule:<id>, rerun:<id> or retry:<id>; None for
    # tasks queued before it was kept. And who asked for it to be cancelled.
    submitted_by: str | None = None
    cancelled_by: str | None = None
    params: dict[str, object] | None = None  # a sweep's run: the parameters it runs with

    @classmethod
    def from_fields(cls, task_id: str, fields: dict[str, str], records: int) -> TaskInfo:
        """From the task's Redis hash (all strings; '' or absent means none)."""
        exit_code = fields.get("exit_code") or None
        timeout = fields.get("timeout") or None
        fraction, eta = fields.get("progress") or None, fields.get("eta_seconds") or None
        return cls(
            task_id=task_id,
            cmd=fields.get("cmd"),
            state=fields.get("state") or State.PENDING.value,
            exit_code=int(exit_code) if exit_code is not None else None,
            created_at=fields.get("created_at"),
            started_at=fields.get("started_at") or None,
            finished_at=fields.get("finished_at") or None,
            records=records,
            bytes=int(fields.get("bytes") or 0),
            worker=fields.get("worker") or None,
            message=fields.get("message") or None,
            timeout=float(timeout) if timeout is not None else None,
            kind=fields.get("kind") or None,
            parent=fields.get("parent") or None,
            steps=json.loads(fields["steps"]) if fields.get("steps") else [],
            progress=float(fraction) if fraction is not None else None,
            eta_seconds=float(eta) if eta is not None else None,
            last_output_at=fields.get("last_output_at") or None,
            schedule_id=fields.get("schedule_id") or None,
            queue=fields.get("queue") or None,
            gpus=int(fields.get("gpus") or 0),
            definition=_json(fields.get("definition"), None),
            run=_json(fields.get("run"), None),
            rerun_of=fields.get("rerun_of") or None,
            reruns=_json(fields.get("reruns"), []),
            retries=int(fields["retries"]) if fields.get("retries") else None,
            retry_delay=float(fields["retry_delay"]) if fields.get("retry_delay") else None,
            attempt=int(fields["attempt"]) if fields.get("attempt") else None,
            first_attempt=fields.get("first_attempt") or None,
            attempts=_json(fields.get("attempts"), []),
            due_at=fields.get("due_at") or None,
            placement=_json(fields.get("placement"), None),
            notify=_json(fields.get("notify"), []),
            submitted_by=fields.get("submitted_by") or None,
            cancelled_by=fields.get("cancelled_by") or None,
            params=json.loads(fields["params"]) if fields.get("params") else None,
        )

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "task_id": self.task_id,
            "cmd": self.cmd,
            "state": self.state,
            "exit_code": self.exit_code,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "worker": self.worker,
            "records": self.records,
            "bytes": self.bytes,
            "message": self.message,
            "timeout": self.timeout,
            "progress": self.progress,
            # An estimate is only worth showing while the task runs.
            "eta_seconds": None if self.state in TERMINAL_STATES else self.eta_seconds,
            "last_output_at": self.last_output_at,
            "queue": self.queue,
            "gpus": self.gpus,
            "submitted_by": self.submitted_by,
            "cancelled_by": self.cancelled_by,
        }
        if self.kind is not None:
            data |= {"kind": self.kind, "steps": self.steps}
        if self.parent is not None:
            data["parent"] = self.parent
        definition = self.definition
        if definition is not None and definition.get("notify"):  # its URLs may hold credentials
            definition = definition | {"notify": [mask(url) for url in definition["notify"]]}
        data |= {"definition": definition, "rerun_of": self.rerun_of, "reruns": self.reruns}
        if self.attempt is not None:
            data |= {"attempt": self.attempt, "due_at": self.due_at, "run": self.run}
            data["placement"] = self.placement
        if self.first_attempt is not None:
            data["first_attempt"] = self.first_attempt
        if self.retries is not None:
            data |= {"retries": self.retries, "retry_delay": self.retry_delay}
            data |= {"attempts": self.attempts or [self.task_id]}
            data["next_attempt_at"] = self.next_attempt_at
        if self.schedule_id is not None:
            data["schedule_id"] = self.schedule_id
        if self.notify:
            data["notify"] = [mask(url) for url in self.notify]
        if self.params is not None:
            data["params"] = self.params
        return data

    def with_last_attempt(self, last: TaskInfo) -> TaskInfo:
        """A retried task as its latest attempt makes it: that attempt's state, exit code, end and
        note, and when it is due while it waits; the first attempt's own are on its own log."""
        waiting = last.state == State.PENDING.value and last.due_at is not None
        return replace(
            self,
            state=last.state,
            exit_code=last.exit_code,
            finished_at=last.finished_at,
            message=last.message,
            next_attempt_at=last.due_at if waiting else None,
        )

    def summarised(self, steps: list[TaskInfo]) -> TaskInfo:
        """A parent as its steps make it: running while any runs, ended when all have ended."""
        states = [s.state for s in steps]
        started = [s.started_at for s in steps if s.started_at]
        if steps and all(state in TERMINAL_STATES for state in states):
            failed = [s for s in steps if s.state == State.FAILURE]
            if failed:
                state, exit_code = State.FAILURE.value, failed[0].exit_code
            elif all(state == State.SUCCESS for state in states):
                state, exit_code = State.SUCCESS.value, 0
            else:
                state, exit_code = State.REVOKED.value, None
            finished = max((s.finished_at for s in steps if s.finished_at), default=None)
            return replace(self, state=state, exit_code=exit_code,
                           started_at=min(started, default=None), finished_at=finished)  # fmt: skip
        running = any(state != State.PENDING for state in states)
        state = State.STARTED.value if running else State.PENDING.value
        return replace(self, state=state, exit_code=None, started_at=min(started, default=None))


def _json(text: str | None, empty: Any) -> Any:
    return json.loads(text) if text else empty
