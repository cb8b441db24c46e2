"""What the store knows about a task, and how a chain's or group's state follows from its steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

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
        }
        if self.kind is not None:
            data |= {"kind": self.kind, "steps": self.steps}
        if self.parent is not None:
            data["parent"] = self.parent
        if self.params is not None:
            data["params"] = self.params
        return data

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
