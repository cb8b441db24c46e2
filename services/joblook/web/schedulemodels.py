"""The shapes of ``/schedules``: what a request may send and what the replies hold (they are the
schemas of ``/openapi.json`` too, like every model in ``models.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, JsonValue, model_validator
from pydantic_core import PydanticCustomError

from joblook.record import State
from joblook.schedules import timing
from joblook.web.models import (
    REFUSED,
    TIMEOUT_BELOW,
    Command,
    Count,
    ExitCode,
    RawLaunch,
    Retries,
    RetryDelay,
    Shape,
    Stamp,
    TaskId,
    Timeout,
    refusing,
)

MAX_NAME = 200


def _cron(value: str) -> str:
    try:
        return timing.check_cron(value)
    except timing.TimingError as exc:
        raise PydanticCustomError(REFUSED, str(exc)) from None


def _timezone(value: str) -> str:
    try:
        timing.check_timezone(value)
    except timing.TimingError as exc:
        raise PydanticCustomError(REFUSED, str(exc)) from None
    return value


def _no_nul(value: str) -> str:
    if "\0" in value:
        raise PydanticCustomError(REFUSED, "{name} must not contain a NUL character")
    return value


ScheduleId = TaskId
Cron = Annotated[
    str,
    Field(
        description="Five fields (minute hour day-of-month month day-of-week) or @hourly, "
        "@daily, @weekly, @monthly, @yearly; read in `timezone`.",
        examples=["0 3 * * *"],
    ),
    refusing("{name} must be a string"),
    AfterValidator(_cron),
]
Every = Annotated[
    float,
    Field(
        gt=0,
        lt=TIMEOUT_BELOW,
        strict=True,
        description="Seconds between runs (at least JOBLOOK_SCHEDULE_MIN_INTERVAL); the first "
        "is this long after the schedule is created or resumed.",
    ),
    refusing("{name} must be a number of seconds above 0"),
]
Timezone = Annotated[
    str,
    Field(description="An IANA time zone the cron expression is read in.", examples=["UTC"]),
    refusing("{name} must be a string"),
    AfterValidator(_timezone),
]
Name = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NAME, pattern=r"\S"),
    refusing(f"{{name}} must be a non-empty string of at most {MAX_NAME} characters"),
    AfterValidator(_no_nul),
]


class ScheduleRequest(RawLaunch):
    """When (exactly one of `cron` and `every`) and what (exactly one of `cmd` and `job`, with
    `params`), and where and how each run goes: `timeout`, `queue`, `gpus`, `secrets`, `notify`,
    `retries` and `retry_delay`, as `POST /enqueue` takes them. The command policy applies as to
    `POST /enqueue`, and again at each run."""

    name: Name = Field(None, description="Defaults to the command or job.")  # type: ignore[assignment]
    cron: Cron = None  # type: ignore[assignment]
    every: Every = None  # type: ignore[assignment]
    timezone: Timezone = "UTC"
    cmd: Command = None  # type: ignore[assignment]
    job: Annotated[str, refusing("unknown job")] = Field(
        None, description="A job's name from JOBLOOK_JOBS_FILE."
    )
    params: Annotated[dict[str, JsonValue], refusing("{name} must be a JSON object")] = Field(
        None, description="The job's parameters."
    )
    paused: Annotated[bool, refusing("{name} must be true or false")] = Field(
        False, strict=True, description="Create it paused."
    )
    retries: Retries = None
    retry_delay: RetryDelay = None

    @model_validator(mode="after")
    def _one_of_each(self) -> ScheduleRequest:
        if (self.cron is None) == (self.every is None):
            raise PydanticCustomError(REFUSED, "send exactly one of cron or every")
        if (self.cmd is None) == (self.job is None):
            raise PydanticCustomError(REFUSED, "send exactly one of cmd or job")
        if self.params is not None and self.job is None:
            raise PydanticCustomError(REFUSED, "params go with job")
        return self


class ScheduleChange(Shape):
    """What to change; absent keys stay, and `null` clears a timeout or a retry field. A new
    `cron` or `every` replaces the other, and a change of timing or a resume starts counting
    from now (missed times never run)."""

    paused: Annotated[bool, refusing("{name} must be true or false")] = Field(None, strict=True)  # type: ignore[assignment]
    name: Name = None  # type: ignore[assignment]
    cron: Cron = None  # type: ignore[assignment]
    every: Every = None  # type: ignore[assignment]
    timezone: Timezone = None  # type: ignore[assignment]
    timeout: Timeout = None
    retries: Retries = None
    retry_delay: RetryDelay = None

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleChange:
        if self.cron is not None and self.every is not None:
            raise PydanticCustomError(REFUSED, "send at most one of cron or every")
        return self

    def given(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.model_fields_set}


class ScheduleRun(Shape):
    """One due time: the task it started (with that task's state now), or why none started."""

    due_at: str = Field(description="The due time it fired for.")
    fired_at: str
    task_id: TaskId | None
    state: State | None = Field(description="The task's state now; null when unknown.")
    exit_code: ExitCode
    message: str | None = Field(description="Why no task started, when none did.")


class Schedule(Shape):
    schedule_id: ScheduleId
    name: str
    cron: str | None
    every: float | None
    timezone: str
    cmd: str | None
    job: str | None
    params: dict[str, JsonValue] | None
    timeout: float | None
    queue: str | None = Field(description="The queue its runs go to (null: the job's or default).")
    gpus: Count = Field(description="GPUs each run asks for (0: the job's, or none).")
    secrets: list[str] = Field(description="Secrets each run gets, by name.")
    notify: list[str] = Field(description="Where each run's end is sent, masked (`slack://***`).")
    retries: int | None = Field(
        description="Attempts after a failed run, each a task of its own linked to the run "
        "(null: its job's, else none)."
    )
    retry_delay: float | None = Field(
        description="Seconds before a run's second attempt (null: its job's, else 10)."
    )
    paused: bool
    created_at: Stamp
    description: str = Field(description='How often, in words: "at 03:00 (UTC)".')
    next_runs: list[str] = Field(description="The next due times (none while paused).")
    last_runs: list[ScheduleRun] = Field(description="The latest runs, newest first.")


class ScheduleList(Shape):
    schedules: list[Schedule]
    schedulers: Count = Field(description="Scheduler processes that beat in the last 15 s.")


class ScheduleIdPath(Shape):
    schedule_id: ScheduleId


class ScheduleDeleted(Shape):
    schedule_id: ScheduleId
    deleted: bool
