"""Every shape the HTTP API takes or gives, once: these models validate requests (through
``spec.validate``) and are the schemas of ``/openapi.json``.

A request that fails a model is a 400 whose ``error`` names the field (see ``spec.py``). Fields
refuse with their own words (``refusing``); ``{name}`` in them is the field's name as sent.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    RootModel,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError, PydanticUseDefault

from joblook import record
from joblook.record import State
from joblook.web.launch import KINDS

# Limits, each named once.
# The largest integer a query may carry: JavaScript's largest safe one, and far inside the 64-bit
# range Redis computes list offsets in (an offset past it was a 500, not a 400).
MAX_SAFE_INTEGER = 2**53 - 1
TIMEOUT_BELOW = 1_000_000_000  # seconds: a timeout is above 0 and below this
MAX_STEPS = 100  # commands in one chain or group
MAX_BATCH = 10_000  # tasks one request may queue: a batch's items, a sweep's combinations
TASKS_DEFAULT, TASKS_MAX = 50, 500  # GET /tasks: a page's size when not asked, and at most

REFUSED = "joblook"  # the error type of a field's own refusal


def refusing(message: str) -> WrapValidator:
    """Whatever the field's own checks refuse is refused with ``message`` (its items' errors
    stay theirs)."""

    def wrap(value: object, handler: ValidatorFunctionWrapHandler) -> object:
        try:
            return handler(value)
        except ValidationError as exc:
            if all(error["loc"] for error in exc.errors()):
                raise  # an item's own error (chain[1]), not this field's
            raise PydanticCustomError(REFUSED, message) from None

    return WrapValidator(wrap)


def _blank_is_default(value: object) -> object:
    # A query's ``?name=`` means the default, as when it is absent.
    if value == "":
        raise PydanticUseDefault
    return value


def _query_int(value: object) -> object:
    try:
        return int(value) if isinstance(value, str) else value
    except ValueError:
        raise PydanticCustomError(REFUSED, "{name} must be an integer") from None


def _required(value: object) -> object:
    if value in ("", None):
        raise PydanticCustomError("missing", "{name} is required")
    return value


def _no_nul(value: str) -> str:
    if "\0" in value:  # no exec can carry it: the worker could only fail to start the command
        raise PydanticCustomError(REFUSED, "{name} must not contain a NUL character")
    return value


def _epoch_seconds(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise PydanticCustomError(
            REFUSED, "{name} must be an ISO 8601 timestamp, like a task's created_at"
        ) from None


def _choice(options: tuple[str, ...]) -> Any:
    return Annotated[
        Literal[options],  # type: ignore[valid-type]
        refusing(f"{{name}} must be one of {', '.join(options)}"),
        BeforeValidator(_blank_is_default),
    ]


def query_int(minimum: int) -> Any:
    """An integer query value from ``minimum`` to MAX_SAFE_INTEGER."""
    return Annotated[
        int,
        Field(ge=minimum, le=MAX_SAFE_INTEGER),
        refusing(f"{{name}} must be >= {minimum} and <= {MAX_SAFE_INTEGER}"),
        BeforeValidator(_query_int),
        BeforeValidator(_blank_is_default),
    ]


TaskId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        json_schema_extra={"format": "uuid"},
        description="A canonical (lower-case, hyphenated) UUID.",
    ),
    refusing("{name} must be a UUID"),
    BeforeValidator(_required),
]
Stamp = Annotated[
    str | None, Field(description="ISO 8601 UTC, e.g. `2026-11-22T02:13:00.123456Z`.")
]
ExitCode = Annotated[int | None, Field(description="Null until the task ends.")]
Count = Annotated[int, Field(ge=0)]


class Shape(BaseModel):
    """A JSON object with exactly these keys: unknown ones are refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Error(Shape):
    """Every error: what went wrong, and optionally any JSON value that says more."""

    error: str = Field(description="What went wrong, for people.")
    detail: JsonValue = Field(None, description="Any JSON value that says more (optional).")


# --- records (/sync, /permlog, the jsonl log) -------------------------------------------------
# /sync checks records with record.from_mapping, which also builds the record objects the store
# appends: 5.4 us a record, against 9.0 us for these models and 23 us with the objects (a batch
# of 10,000). These models describe them; tests/unit/web/test_models.py holds the two to the
# same answers.


def _real_time(value: str) -> str:
    if not record.is_time(value):  # the pattern, and the calendar: no month 13
        raise PydanticCustomError(REFUSED, "{name} must be UTC to the microsecond")
    return value


class OutputRecord(Shape):
    """Output: a raw chunk of a command's stdout or stderr."""

    task_id: TaskId
    seq: int = Field(ge=1, strict=True, description="1, 2, 3... per task, no gaps.")
    time: Annotated[str, AfterValidator(_real_time)] = Field(
        pattern=f"^{record.TIME_PATTERN}$",
        description="When it was written: UTC to the microsecond.",
        examples=["2026-11-22T02:13:00.123456Z"],
    )
    stream: Literal["stdout", "stderr"]
    log: str = Field(strict=True, description="A raw chunk of output, terminator included.")


class StatusRecord(OutputRecord):
    """A change of task state."""

    stream: Literal["status"]  # type: ignore[assignment]
    state: State
    exit_code: ExitCode = Field(strict=True)


class Record(RootModel[Annotated[OutputRecord | StatusRecord, Field(discriminator="stream")]]):
    """One record, as the worker writes it."""


class SyncRequest(RootModel[list[Record] | Record]):
    """Records: a JSON array (or NDJSON, one per line), or one record."""


class SyncReply(Shape):
    received: Count
    stored: Count = Field(description="New ones; duplicates are skipped.")


class Permlog(Shape):
    task_id: TaskId
    state: State
    exit_code: ExitCode
    last_seq: Count = Field(description="The seq of the last stored record.")
    records: list[Record]


class PermlogQuery(BaseModel):
    task_id: TaskId
    after_seq: query_int(0) = Field(0, description="Only records after this seq.")  # type: ignore[valid-type]
    limit: query_int(1) = Field(None, description="At most this many (JSON only).")  # type: ignore[valid-type]
    format: _choice(("json", "text")) = "json"  # type: ignore[valid-type]


class TaskIdQuery(BaseModel):
    task_id: TaskId


# --- enqueue ------------------------------------------------------------------------------------

Command = Annotated[
    str,
    Field(min_length=1, pattern=r"\S", description="Run with `/bin/sh -c`.", examples=["ls -al"]),
    refusing("{name} must be a non-empty string"),
    AfterValidator(_no_nul),
]
Steps = Annotated[
    list[Command],
    Field(min_length=1, max_length=MAX_STEPS),
    refusing(f"{{name}} must be a list of 1 to {MAX_STEPS} commands"),
]
Timeout = Annotated[
    float | None,
    Field(
        gt=0,
        lt=TIMEOUT_BELOW,
        strict=True,
        description="Seconds after which the command is killed (it ends FAILURE).",
    ),
    refusing("{name} must be a number of seconds above 0"),
]


class CommandForm(Shape):
    cmd: Command
    timeout: Timeout = None


class JobForm(Shape):
    job: Annotated[str, refusing("unknown job")] = Field(
        description="A job's name from JOBLOOK_JOBS_FILE."
    )
    params: Annotated[dict[str, JsonValue] | None, refusing("{name} must be a JSON object")] = (
        Field(None, description="Its parameters, checked by their types.")
    )
    timeout: Timeout = None


Grid = Annotated[
    dict[
        str,
        Annotated[
            list[JsonValue], Field(min_length=1), refusing("{name} must be a non-empty list")
        ],
    ],
    Field(min_length=1),
    refusing("{name} must map each swept parameter to a non-empty list of values"),
]


class JobRequest(JobForm):
    """A named job; with ``sweep``, one run per combination of the swept values."""

    sweep: Grid | None = Field(
        None,
        description="Parameter -> values: one run per combination (the cartesian product, at "
        f"most {MAX_BATCH:,}), each with `params` plus its values, grouped under one parent.",
        examples=[{"lr": [0.1, 0.01], "seed": [1, 2, 3]}],
    )

    @model_validator(mode="after")
    def _bounded(self) -> JobRequest:
        if self.sweep is None:
            return self
        both = sorted(set(self.sweep) & set(self.params or {}))
        if both:
            raise PydanticCustomError(REFUSED, f"{', '.join(both)}: in both params and sweep")
        runs = math.prod(len(values) for values in self.sweep.values())
        if runs > MAX_BATCH:
            raise PydanticCustomError(
                TOO_MANY,
                f"a sweep may have at most {MAX_BATCH:,} combinations",
                {"detail": {"combinations": runs, "max": MAX_BATCH}},
            )
        return self


class ChainForm(Shape):
    chain: Steps
    timeout: Timeout = None


class GroupForm(Shape):
    group: Steps
    timeout: Timeout = None


def _item_of(body: object) -> str | None:
    given = [key for key in ("cmd", "job") if isinstance(body, dict) and key in body]
    return given[0] if len(given) == 1 else None


BatchItem = Annotated[
    Annotated[CommandForm, Tag("cmd")] | Annotated[JobForm, Tag("job")],
    Discriminator(
        _item_of,
        custom_error_type=REFUSED,
        custom_error_message="each item needs exactly one of cmd or job",
    ),
]


class BatchForm(Shape):
    batch: Annotated[
        list[BatchItem],
        Field(min_length=1, max_length=MAX_BATCH),
        refusing(f"{{name}} must be a list of 1 to {MAX_BATCH:,} tasks"),
    ] = Field(
        description="Tasks to queue at once, each `{cmd, timeout}` or `{job, params, timeout}`.",
        examples=[[{"cmd": "python train.py --lr 0.1"}, {"job": "train", "params": {"lr": 0.01}}]],
    )
    timeout: Timeout = Field(None, description="The timeout of each item that names none.")


FORMS: dict[str, type[Shape]] = {
    "cmd": CommandForm,
    "job": JobRequest,
    "chain": ChainForm,
    "group": GroupForm,
    "batch": BatchForm,
}
ENQUEUE_KEYS = frozenset(key for form in FORMS.values() for key in form.model_fields)
TOO_MANY = "too_many"  # the error type of a request over MAX_BATCH tasks: 413


def _form_of(body: object) -> str | None:
    given = [key for key in FORMS if isinstance(body, dict) and key in body]
    return given[0] if len(given) == 1 else None


class EnqueueRequest(
    RootModel[
        Annotated[
            Annotated[CommandForm, Tag("cmd")]
            | Annotated[JobRequest, Tag("job")]
            | Annotated[ChainForm, Tag("chain")]
            | Annotated[GroupForm, Tag("group")]
            | Annotated[BatchForm, Tag("batch")],
            Discriminator(_form_of),
        ]
    ]
):
    """Exactly one of `cmd`, `job` (with `params`, and optionally a `sweep`), `chain` (in
    order), `group` (in parallel) or `batch` (up to 10,000 tasks at once)."""

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, body: object) -> object:
        if not isinstance(body, dict):
            raise PydanticCustomError(REFUSED, "the body must be a JSON object")
        unknown = sorted(set(body) - ENQUEUE_KEYS)
        if unknown:
            detail = {"unknown": unknown, "allowed": sorted(ENQUEUE_KEYS)}
            raise PydanticCustomError("unknown_keys", "unknown keys", {"detail": detail})
        form = _form_of(body)
        if form is None:
            raise PydanticCustomError(
                REFUSED, "send exactly one of cmd, job, chain, group or batch"
            )
        for key in ("params", "sweep"):
            if key in body and form != "job":
                raise PydanticCustomError(REFUSED, f"{key} go with job")
        items = body.get("batch")
        if isinstance(items, list) and len(items) > MAX_BATCH:  # before reading any of them
            raise PydanticCustomError(
                TOO_MANY,
                f"a batch may hold at most {MAX_BATCH:,} tasks: send the rest in another",
                {"detail": {"items": len(items), "max": MAX_BATCH}},
            )
        return body


class EnqueueReply(Shape):
    task_id: TaskId = Field(  # type: ignore[assignment]
        None, description="The task; for a chain, group or sweep, the parent. Not for a batch."
    )
    steps: list[TaskId] = Field(  # type: ignore[assignment]
        None, description="A chain's, group's or sweep's (a sweep's in the grid's order)."
    )
    task_ids: list[TaskId] = Field(  # type: ignore[assignment]
        None, description="A batch's, in the order of its items."
    )


class JobList(Shape):
    jobs: list[dict[str, JsonValue]]


# --- tasks --------------------------------------------------------------------------------------


class CancelRequest(Shape):
    """Who asked to cancel the unfinished task, and when (by id only)."""

    by: str
    at: str


class Task(Shape):
    """A task as TaskInfo.to_json() gives it (plus the cancel request GET /tasks/{task_id} adds);
    ``kind``, ``steps`` and ``parent`` only where they apply."""

    task_id: TaskId
    cmd: str | None = Field(description="A parent's joins its steps'.")
    state: State
    exit_code: ExitCode
    created_at: Stamp
    started_at: Stamp
    finished_at: Stamp
    worker: str | None
    records: Count = Field(description="Records stored so far.")
    bytes: Count = Field(description="Output bytes stored so far.")
    message: str | None = Field(description="The last status note.")
    timeout: float | None
    kind: Literal[KINDS] = Field(None, description="A parent's.")  # type: ignore[valid-type]
    steps: list[TaskId] = Field(None, description="A parent's.")  # type: ignore[assignment]
    parent: TaskId = Field(  # type: ignore[assignment]
        None, description="A step's chain, group or sweep."
    )
    params: dict[str, JsonValue] = Field(  # type: ignore[assignment]
        None, description="A sweep's run: the parameters it runs with."
    )
    progress: float | None = Field(
        ge=0,
        le=1,
        description="How far along the output says the task is (a tqdm bar, a percentage, "
        '`{"progress": 0.4}`); null until it says.',
    )
    eta_seconds: float | None = Field(
        ge=0,
        description="Seconds left, as of the latest progress (the program's own estimate, "
        "else the rate so far); null when unknown and once the task has ended.",
    )
    last_output_at: Stamp = Field(description="When the task last printed something.")
    cancel_requested: CancelRequest | None = None


class TaskWithCancel(Task):
    cancel_requested: CancelRequest | None  # type: ignore[assignment]


class TaskList(Shape):
    tasks: list[Task]


class TasksQuery(BaseModel):
    state: _choice(tuple(s.value for s in State)) = Field(  # type: ignore[valid-type]
        None, description="Only tasks in this state."
    )
    limit: query_int(1) = Field(  # type: ignore[valid-type]
        TASKS_DEFAULT, description=f"At most this many (and never more than {TASKS_MAX})."
    )
    before: Annotated[
        float | None,
        BeforeValidator(_epoch_seconds),
        WithJsonSchema({"type": "string", "format": "date-time"}),
    ] = Field(
        None, description="Only tasks created before this time (the last one's `created_at`)."
    )


class CancelReply(Shape):
    task_id: TaskId
    cancel_requested: list[TaskId] = Field(description="The tasks.")


class LogQuery(BaseModel):
    follow: _choice(("0", "1")) = Field(  # type: ignore[valid-type]
        "0", description="1 to keep the response open and stream output until the task ends."
    )
    format: _choice(("text", "jsonl")) = "text"  # type: ignore[valid-type]


class Metrics(Shape):
    series: dict[str, list[Annotated[list[float], Field(min_length=2, max_length=2)]]] = Field(
        description="Series name -> its `[step, value]` points, oldest first."
    )


class Run(Shape):
    """One run of a chain, group or sweep, as its parent's page lists it."""

    task_id: TaskId
    cmd: str | None
    params: dict[str, JsonValue] | None = Field(description="A sweep run's parameters.")
    state: State
    exit_code: ExitCode
    progress: float | None = Field(ge=0, le=1)
    started_at: Stamp
    finished_at: Stamp
    metrics: dict[str, float] = Field(description="Each metric's latest value.")


class RunList(Shape):
    """A parent and its runs, in order (a sweep's in its grid's order)."""

    task_id: TaskId
    kind: Literal[KINDS]  # type: ignore[valid-type]
    cmd: str | None
    state: State
    job: str | None = Field(description="A sweep's job.")
    sweep: dict[str, list[JsonValue]] | None = Field(description="A sweep's grid.")
    runs: list[Run]


# --- service ------------------------------------------------------------------------------------


class Health(Shape):
    ok: Literal[True]
    redis: Literal["ok"]
    workers: Count = Field(description="Workers that answered the latest ping (every 2 s).")


class Config(Shape):
    flower_url: str
    stall_seconds: float = Field(
        gt=0, description="A running task silent this long may be stalled (JOBLOOK_STALL_SECONDS)."
    )
    states: list[str] = Field(description="Every task state, in lifecycle order.")
    terminal_states: list[str] = Field(description="The states a task ends in.")
