"""Where a task runs and what it waits for: its queue, its GPUs and the limits it counts against.

A request may name a queue and GPUs; a named job may name them in the jobs file, and then the
request cannot change them. Limits come from the jobs file (``max_concurrent`` per job) and from
``JOBLOOK_QUEUE_LIMITS`` (per queue); the worker enforces them (``worker/admission.py``), so
every limit travels in the task's message, where Flower shows it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from joblook.jobs import Job
from joblook.queuenames import DEFAULT_QUEUE
from joblook.record import State
from joblook.store.roster import WorkerAd
from joblook.store.slots import GPU_SCOPE_PREFIX, Slots, Waiting, job_scope, queue_scope
from joblook.store.taskinfo import TaskInfo
from joblook.web.errors import ApiError


@dataclass(frozen=True)
class Placement:
    """A task's queue, the GPUs it asks for and its limits: ``[(scope, limit), ...]``."""

    queue: str = DEFAULT_QUEUE
    gpus: int = 0
    limits: list[tuple[str, int]] = field(default_factory=list)

    @property
    def shown(self) -> tuple[str, int]:
        """What the store keeps for GET /tasks/ID."""
        return self.queue, self.gpus

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any] | None) -> Placement:
        """The placement whose ``task_kwargs`` these are (a retry goes where the first went)."""
        if not kwargs:
            return cls()
        limits = [(str(scope), int(limit)) for scope, limit in kwargs.get("limits") or []]
        return cls(str(kwargs.get("queue") or DEFAULT_QUEUE), int(kwargs.get("gpus") or 0), limits)

    def task_kwargs(self) -> dict[str, object]:
        """The run task's keyword arguments for them (Flower shows them with the task)."""
        kwargs: dict[str, object] = {"queue": self.queue}
        if self.gpus:
            kwargs["gpus"] = self.gpus
        if self.limits:
            kwargs["limits"] = [[scope, limit] for scope, limit in self.limits]
        return kwargs


def place(
    queue: str | None,
    gpus: int | None,
    job: Job | None,
    queue_limits: dict[str, int],
    roster: list[WorkerAd] | None,
) -> Placement:
    """The placement of a request; 400 when it contradicts its job, or asks more GPUs than any
    worker of its queue has (``roster``: the workers known now; None when not known)."""
    if job is not None:
        queue = _from_job(job.name, "queue", queue, job.queue)
        gpus = _from_job(job.name, "gpus", gpus, job.gpus or None)
    chosen = Placement(queue or DEFAULT_QUEUE, gpus or 0)
    limits = []
    if job is not None and job.max_concurrent is not None:
        limits.append((job_scope(job.name), job.max_concurrent))
    if chosen.queue in queue_limits:
        limits.append((queue_scope(chosen.queue), queue_limits[chosen.queue]))
    _check_gpus(chosen, roster)
    return Placement(chosen.queue, chosen.gpus, limits)


def _from_job(job: str, name: str, asked: object, fixed: object) -> Any:
    if fixed is not None and asked is not None and asked != fixed:
        raise ApiError(400, f"job {job} sets its own {name}", {name: fixed})
    return fixed if fixed is not None else asked


def _check_gpus(placement: Placement, roster: list[WorkerAd] | None) -> None:
    serving = [ad for ad in roster or [] if placement.queue in ad.queues]
    if not placement.gpus or not serving:  # no worker yet: the task waits for one
        return
    most = max(len(ad.gpus) for ad in serving)
    if placement.gpus > most:
        raise ApiError(
            400,
            f"no worker of queue {placement.queue} has {placement.gpus} GPUs",
            {"queue": placement.queue, "gpus": placement.gpus, "most_gpus": most},
        )


def why_waiting(
    queue: str | None, gpus: int, roster: list[WorkerAd] | None, waits: list[str]
) -> str | None:
    """Why a PENDING task has not started, in words (None: nothing known to hold it back)."""
    queue = queue or DEFAULT_QUEUE
    if roster is not None and not any(queue in ad.queues for ad in roster):
        return f"no worker serves queue {queue}"
    serving = [ad for ad in roster or [] if queue in ad.queues]
    if gpus and serving and max(len(ad.gpus) for ad in serving) < gpus:
        return f"no worker of queue {queue} has {gpus} GPUs"
    return "; ".join(waits) or None


def task_placement(
    slots: Slots, info: TaskInfo, roster: list[WorkerAd] | None
) -> dict[str, object]:
    """What GET /tasks/ID adds about a command's placement: the GPUs it holds, and while it is
    PENDING, what it waits for."""
    if info.kind is not None:
        return {}
    data: dict[str, object] = {"gpu_ids": slots.gpus_of(info.task_id)}
    if info.state == State.PENDING:
        waits = [_says(w, info.gpus) for w in slots.waiting(info.task_id, list(slots.scopes()))]
        data["waiting"] = why_waiting(info.queue, info.gpus, roster, waits)
    return data


def _says(waiting: Waiting, gpus: int) -> str:
    line = f"{_ordinal(waiting.position)} in line"
    if waiting.scope.startswith(GPU_SCOPE_PREFIX):
        queue = waiting.scope.removeprefix(GPU_SCOPE_PREFIX)
        return f"waiting for {gpus} free GPU{'s' if gpus != 1 else ''} of queue {queue} ({line})"
    running = f"{waiting.holders} of {waiting.limit} running"
    return f"waiting for a slot of {waiting.scope} ({line}, {running})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
