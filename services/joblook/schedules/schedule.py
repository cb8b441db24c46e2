"""One schedule: what runs (a command, or a named job and its parameters), when, and where and
how each run goes (its queue, GPUs, secrets, notices and retries, as ``POST /enqueue`` takes
them)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import orjson

from joblook.schedules import timing


@dataclass(frozen=True, slots=True)
class Schedule:
    """Exactly one of ``cron`` and ``every``; exactly one of ``cmd`` and ``job``.

    ``since`` (epoch seconds) is when its timing last started: its creation, its latest resume,
    or the latest change of its cron, interval or time zone. Only due times after it fire, so
    resuming a paused schedule does not run the times it slept through.
    """

    schedule_id: str
    name: str
    since: float
    created_at: str
    cron: str | None = None
    every: float | None = None
    timezone: str = "UTC"
    cmd: str | None = None
    job: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    paused: bool = False
    queue: str | None = None
    gpus: int = 0
    secrets: list[str] = field(default_factory=list)  # names only, never a value
    notify: list[str] = field(default_factory=list)
    # Attempts after a failed run, and the first wait (None: the job's own, else none / 10 s).
    # Added later: a schedule stored before them decodes with these defaults.
    retries: int | None = None
    retry_delay: float | None = None

    def latest_due(self, now: float) -> float | None:
        return timing.latest_due(
            now, self.since, cron=self.cron, every=self.every, tz=self.timezone
        )

    def next_due(self, now: float, count: int) -> list[float]:
        if self.paused:
            return []
        return timing.next_due(
            now, self.since, count, cron=self.cron, every=self.every, tz=self.timezone
        )

    def describe(self) -> str:
        return timing.describe(self.cron, self.every, self.timezone)

    def encode(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))

    @classmethod
    def decode(cls, raw: bytes) -> Schedule:
        return cls(**orjson.loads(raw))

    def changed(self, **changes: Any) -> Schedule:
        return dataclasses.replace(self, **changes)
